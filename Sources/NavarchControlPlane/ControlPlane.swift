import Foundation
import GRPCCore
import GRPCInProcessTransport
import GRPCNIOTransportHTTP2
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NavarchClient
import NIOSSL
import NavarchCore
import NavarchHealth
import NavarchProto
import NavarchStore
import ServiceLifecycle
import UnixSignals

/// Where a running control plane listens.
public struct ControlPlaneEndpoints: Sendable, Equatable {
    public var grpcHost: String
    public var grpcPort: Int
    public var httpHost: String
    public var httpPort: Int
    /// The CA file clients trust the control plane by; nil when it serves plaintext or the
    /// user's certificate chains to the system's roots.
    public var caPath: String?
    /// Whether it serves plaintext (`--insecure`).
    public var insecure: Bool = false
    /// Where its first start wrote the admin token.
    public var adminTokenPath: String = ""

    /// `host:port` of the gRPC API.
    public var grpcAddress: String { "\(grpcHost):\(grpcPort)" }
    /// `https://host:port` (or `http://` when insecure) of the HTTP API.
    public var httpURL: String { "\(insecure ? "http" : "https")://\(httpHost):\(httpPort)" }

    /// How a client on this machine trusts the control plane, with `credential`.
    public func clientSecurity(credential: String?) -> ClientSecurity {
        ClientSecurity(trust: insecure ? .plaintext : caPath.map { .caFile($0) } ?? .system, credential: credential)
    }
}

/// The control plane, assembled from a configuration and the extensions registered on it:
///
/// ```swift
/// try await ControlPlane(configuration: configuration, store: store)
///     .with(provider: LocalProvider(...))
///     .with(notifier: MyPagerNotifier())
///     .run()
/// ```
public struct ControlPlane: Sendable {
    public static let version = "0.1.0"

    public var configuration: ControlPlaneConfiguration
    var store: any Store
    var providers: [any Provider] = []
    var scheduler: any Scheduler = FirstAvailable()
    var remediator: any Remediator = RepairBeforeReplace()
    var notifiers: [any Notifier] = []
    var coordinator: (any Coordinator)?
    var clock: any NavarchClock = SystemClock()
    var ids = IdentifierGenerator.random
    var logger: Logger

    public init(configuration: ControlPlaneConfiguration, store: any Store, logger: Logger = Logger(label: "navarch.control-plane")) {
        self.configuration = configuration
        self.scheduler = configuration.provisioningStrategy.makeScheduler()
        self.store = store
        self.logger = logger
    }

    public func with(provider: any Provider) -> ControlPlane { var copy = self; copy.providers.append(provider); return copy }
    public func with(scheduler: any Scheduler) -> ControlPlane { var copy = self; copy.scheduler = scheduler; return copy }
    public func with(remediator: any Remediator) -> ControlPlane { var copy = self; copy.remediator = remediator; return copy }
    public func with(notifier: any Notifier) -> ControlPlane { var copy = self; copy.notifiers.append(notifier); return copy }
    public func with(notifiers: [any Notifier]) -> ControlPlane { var copy = self; copy.notifiers += notifiers; return copy }
    /// The workload scheduler (Kubernetes, Slurm, a webhook) told before nodes are drained or terminated.
    public func with(coordinator: any Coordinator) -> ControlPlane { var copy = self; copy.coordinator = coordinator; return copy }
    public func with(clock: any NavarchClock) -> ControlPlane { var copy = self; copy.clock = clock; return copy }
    /// Where instance and command ids come from (seeded ones repeat; default: random).
    public func with(ids: IdentifierGenerator) -> ControlPlane { var copy = self; copy.ids = ids; return copy }

    func coordinatorServices(_ fleet: FleetController) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        guard let coordinator else { return [] }
        let settings = configuration.coordinator ?? CoordinatorSettings(kind: .webhook)
        return [.init(service: CoordinatorService(fleet: fleet, coordinator: coordinator, jobs: fleet.coordinatorWork, settings: settings, clock: clock))]
    }

    /// The gRPC server's HTTP/2 settings. The stream limit is advertised to every client: left
    /// unset, clients assume no limit while the HTTP/2 handler still enforces its own default of
    /// 100, so the 101st call in flight on one connection is a protocol violation that closes
    /// it (GOAWAY PROTOCOL_ERROR) and fails every call on it.
    func grpcTransportConfig() -> HTTP2ServerTransport.Posix.Config {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.http2.maxConcurrentStreams = configuration.grpcMaxConcurrentStreams
        config.rpc.maxRequestPayloadSize = configuration.maxMessageBytes
        config.connection.maxIdleTime = configuration.idleTimeout
        let logger = logger
        config.channelDebuggingCallbacks.onAcceptTCPConnection = { channel in
            GRPCConnectionLogger.install(on: channel, logger: logger)
        }
        return config
    }

    /// Runs until SIGTERM or SIGINT.
    public func run() async throws {
        try await run(signals: [.sigterm, .sigint]) { _ in }
    }

    /// Runs, calling `onReady` once both listeners are bound; stops on the given signals or
    /// when the calling task is cancelled.
    public func run(
        signals: [UnixSignal], onReady: @escaping @Sendable (ControlPlaneEndpoints) async -> Void
    ) async throws {
        let providerTable = Dictionary(providers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        guard providerTable[configuration.defaultProvider] != nil else {
            throw NavarchError.invalidArgument(
                "default provider '\(configuration.defaultProvider)' is not configured; configured: \(providerTable.keys.sorted().joined(separator: ", "))")
        }
        let fleet = FleetController(
            configuration: configuration, store: store, providers: providerTable, scheduler: scheduler,
            remediator: remediator, clock: clock, logger: logger, coordinator: coordinator, ids: ids)
        let settings = try await fleet.load()
        let tls = try prepareTLS()
        let access = try AccessControl(
            store: store, settings: settings, clock: clock, callsPerMinute: configuration.callsPerMinute,
            streamsPerPrincipal: configuration.streamsPerPrincipal)
        if let written = try await access.bootstrapAdmin(writingTo: configuration.adminTokenPath) {
            logger.notice("first start: wrote the admin token for the local user (mode 0600)", metadata: ["path": "\(written)"])
        }
        let joinTokens = try JoinTokenIssuer(keyFile: configuration.dataDirectory + "/join-token.key", lifetime: configuration.joinTokenLifetime)
        let bootstrap = try prepareBootstrap()
        for provider in providers {
            let machines: [ProvisionedInstance]
            do { machines = try await provider.list() } catch {
                logger.warning("cannot list instances", metadata: ["provider": "\(provider.name)", "error": "\(error)"])
                continue
            }
            try await fleet.adopt(provider: provider.name, machines: machines)
        }

        let readiness = Readiness()
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: configuration.grpcHost, port: configuration.grpcPort),
            transportSecurity: tls.map { [clientCA = self.configuration.tlsClientCAFile] material in
                .tls(certificateChain: [.file(path: material.certificatePath, format: .pem)], privateKey: .file(path: material.privateKeyPath, format: .pem)) { config in
                    if let clientCA {
                        config.clientCertificateVerification = .noHostnameVerification
                        config.trustRoots = .certificates([.file(path: clientCA, format: .pem)])
                    }
                }
            } ?? .plaintext,
            config: grpcTransportConfig())
        let admin = AdminServiceHandler(
            fleet: fleet, access: access, version: Self.version, defaultProvider: configuration.defaultProvider,
            heartbeatInterval: configuration.heartbeatInterval)
        let services: [any RegistrableRPCService] = [
            NodeServiceHandler(
                fleet: fleet, heartbeatInterval: configuration.heartbeatInterval,
                healthPolicy: HealthPolicyFile.render(configuration.healthPolicy),
                poolHealthPolicies: Dictionary(
                    configuration.pools.compactMap { pool in pool.healthPolicy.map { (pool.name, HealthPolicyFile.render($0)) } },
                    uniquingKeysWith: { first, _ in first })),
            admin,
        ]
        let interceptors: [any ServerInterceptor] = [AuthInterceptor(access: access, logger: logger)]
        let grpcServer = GRPCServer(transport: transport, services: services, interceptors: interceptors)
        // The same services in-process, for the MCP endpoint's tools: checked by the same
        // interceptor, with no socket and no certificate to trust.
        let inProcess = InProcessTransport()
        let localServer = GRPCServer(transport: inProcess.server, services: services, interceptors: interceptors)
        let localClient = GRPCClient(transport: inProcess.client, interceptors: [MCPEndpoint.bearer])
        let mcp = MCPEndpoint(grpc: localClient, logger: logger)
        let (httpBound, httpBoundContinuation) = AsyncStream<Int>.makeStream()
        let router = HTTPAPI.router(
            fleet: fleet, admin: admin, mcp: mcp, readiness: readiness, agentBinary: bootstrap?.servedFile,
            auth: HTTPAuthMiddleware(access: access, logger: logger))
        let http = Application(
            router: router,
            server: try httpServer(tls),
            configuration: .init(
                address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "navarch"),
            onServerRunning: { channel in
                httpBoundContinuation.yield(channel.localAddress?.port ?? 0)
                httpBoundContinuation.finish()
            },
            logger: logger)
        let configuration = configuration
        let logger = logger
        let readinessService = ReadinessService {
            let boundIPv4: Int?
            do { boundIPv4 = try await transport.listeningAddress.ipv4?.port } catch {
                logger.debug("gRPC listener failed", metadata: ["error": "\(error)"])
                throw NavarchError(
                    .unavailable,
                    "cannot listen for gRPC on \(configuration.grpcHost):\(configuration.grpcPort): address already in use or unavailable; is another `navarch serve` running? (--grpc-port changes the port)")
            }
            guard let grpcPort = boundIPv4 else {
                throw NavarchError(.unavailable, "gRPC server did not bind an IPv4 address")
            }
            var httpPort = 0
            for await port in httpBound { httpPort = port }
            let advertised = configuration.advertisedAddress
                ?? "\(configuration.grpcHost == "0.0.0.0" ? "127.0.0.1" : configuration.grpcHost):\(grpcPort)"
            await fleet.setControlPlaneAddress(advertised)
            var download: AgentDownload?
            if let bootstrap {
                let host = advertised.split(separator: ":").dropLast().joined(separator: ":")
                download = AgentDownload(
                    url: configuration.agentURL ?? "\(tls == nil ? "http" : "https")://\(host):\(httpPort)/v1/agent/navarch-node",
                    sha256: bootstrap.sha256, servedFile: bootstrap.servedFile)
            }
            await fleet.setBootstrap(joinTokens: joinTokens, download: download, caCertificatePEM: tls?.caCertificatePEM ?? "")
            do { try await fleet.applyConfiguredPools(configuration.pools) } catch let error as NavarchError {
                throw NavarchError(error.code, "pools in the configuration file: \(error.message)")
            }
            readiness.markReady()
            let endpoints = ControlPlaneEndpoints(
                grpcHost: configuration.grpcHost, grpcPort: grpcPort, httpHost: configuration.httpHost, httpPort: httpPort,
                caPath: tls?.caPath, insecure: tls == nil, adminTokenPath: configuration.adminTokenPath)
            logger.info(
                "control plane ready",
                metadata: ["grpc": "\(endpoints.grpcAddress)", "http": "\(configuration.httpHost):\(httpPort)", "version": "\(Self.version)"])
            fleet.wake()
            await onReady(endpoints)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: GRPCServerService(server: grpcServer) { fleet.endStreams() }),
                    .init(service: GRPCServerService(server: localServer) {}),
                    .init(service: GRPCClientService(client: localClient)),
                    .init(service: http),
                    .init(service: readinessService, successTerminationBehavior: .ignore),
                    .init(service: HeartbeatMonitorService(fleet: fleet, clock: clock)),
                    .init(service: ReconcilerService(fleet: fleet, clock: clock, logger: logger)),
                    .init(service: OrphanSweepService(
                        fleet: fleet, providers: providers, clock: clock, interval: configuration.orphanSweepInterval, logger: logger)),
                    // The pools' scheduled diagnostics, then their autoscalers.
                    .init(service: PeriodicService(interval: configuration.diagnosticScheduleCheckInterval, clock: clock) {
                        await fleet.runScheduledDiagnostics()
                    }),
                    .init(service: NotificationService(notifiers: notifiers, events: fleet.notifications, logger: logger)),
                    .init(service: PeriodicService(interval: configuration.autoscaleInterval, clock: clock) { await fleet.autoscale() }),
                ] + coordinatorServices(fleet),
                gracefulShutdownSignals: signals,
                logger: logger))
        do {
            try await group.run()
        } catch {
            await mcp.closeAll()
            await fleet.shutdown()
            if "\(error)".contains("Address already in use") {
                throw NavarchError(
                    .unavailable,
                    "cannot listen on \(configuration.grpcHost):\(configuration.grpcPort) (gRPC) or \(configuration.httpHost):\(configuration.httpPort) (HTTP): address already in use; is another `navarch serve` running? (--grpc-port and --http-port change the ports)")
            }
            throw error
        }
        await mcp.closeAll()
        await fleet.shutdown()
    }
}

extension ControlPlane {
    /// The agent binary, when a provider bootstraps cloud machines;
    /// a missing binary or checksum is an error now, not at the first `up`.
    func prepareBootstrap() throws -> (sha256: String, servedFile: String?)? {
        guard providers.contains(where: \.bootstrapsAgent) else { return nil }
        if configuration.agentURL != nil {
            guard let sha256 = configuration.agentSHA256 else {
                throw NavarchError.invalidArgument("bootstrap.agent_url is set but bootstrap.agent_sha256 is not: machines check the binary they download")
            }
            return (sha256, nil)
        }
        guard let path = configuration.agentBinary else {
            throw NavarchError.invalidArgument("no navarch-node binary for cloud machines to download: set bootstrap.agent_binary")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw NavarchError.invalidArgument("bootstrap.agent_binary \(path) cannot be read")
        }
        let sha256 = try AgentDownload.sha256(ofFile: path)
        logger.info("serving the node agent to cloud machines", metadata: ["binary": "\(path)", "sha256": "\(sha256)"])
        return (sha256, path)
    }
}

extension ControlPlane {
    /// The certificates to serve TLS with: the user's (`tls.cert_file`), or the control plane's
    /// own CA and server certificate; nil with `insecure`, which is logged as a warning.
    func prepareTLS() throws -> TLSMaterial? {
        if configuration.insecure {
            guard configuration.tlsClientCAFile == nil else {
                throw NavarchError.invalidArgument("tls.client_ca_file asks clients for certificates, which needs TLS: it cannot go with --insecure")
            }
            logger.warning("serving gRPC and HTTP in plaintext (--insecure): tokens and node credentials cross the network in clear")
            return nil
        }
        let material: TLSMaterial
        switch (configuration.tlsCertificateFile, configuration.tlsKeyFile) {
        case (let certificate?, let key?):
            material = try TLSMaterial.userProvided(certificate: certificate, key: key, ca: configuration.tlsCAFile)
        case (nil, nil):
            var hosts = [configuration.grpcHost, configuration.httpHost, ProcessInfo.processInfo.hostName].filter { $0 != "0.0.0.0" && !$0.isEmpty }
            if let advertised = configuration.advertisedAddress, let (host, _) = try? NavarchClient.parse(advertised) { hosts.append(host) }
            material = try TLSMaterial.automatic(in: configuration.tlsDirectory, hosts: hosts, now: clock.now)
        default:
            throw NavarchError.invalidArgument("tls.cert_file and tls.key_file go together: set both, or neither for the control plane's own certificate")
        }
        if let clientCA = configuration.tlsClientCAFile, !FileManager.default.isReadableFile(atPath: clientCA) {
            throw NavarchError.invalidArgument("tls.client_ca_file \(clientCA) cannot be read")
        }
        logger.notice(
            material.createdCA ? "made the control plane's CA; agents and the CLI trust it" : "serving TLS",
            metadata: ["ca": "\(material.caPath ?? "system roots")", "caSHA256": "\(material.caFingerprint)", "certificate": "\(material.certificatePath)"])
        return material
    }

    /// The HTTP server: HTTP/1.1 over TLS, or plaintext with `insecure`. A connection that
    /// neither sends nor receives for `limits.idle_timeout` is closed (the event stream writes a
    /// keep-alive every 15 s).
    func httpServer(_ tls: TLSMaterial?) throws -> HTTPServerBuilder {
        let idle = configuration.idleTimeout.components
        let http1 = HTTPServerBuilder.http1(
            configuration: .init(idleTimeout: .nanoseconds(idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000)))
        guard let tls else { return http1 }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.privateKeyPath, format: .pem)))
        if let clientCA = self.configuration.tlsClientCAFile {
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .file(clientCA)
        }
        return try .tls(http1, tlsConfiguration: configuration)
    }
}

/// Runs a gRPC server as a service. On shutdown the long-lived streams are ended first,
/// since the server waits for every open call to finish.
struct GRPCServerService<Transport: ServerTransport>: Service {
    let server: GRPCServer<Transport>
    let endStreams: @Sendable () -> Void

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            endStreams()
            server.beginGracefulShutdown()
        }
    }
}

/// Runs a gRPC client's connections as a service, closing them on shutdown.
struct GRPCClientService<Transport: ClientTransport>: Service {
    let client: GRPCClient<Transport>

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await client.runConnections()
        } onGracefulShutdown: {
            client.beginGracefulShutdown()
        }
    }
}

/// Waits for the listeners, then marks the control plane ready.
struct ReadinessService: Service {
    let body: @Sendable () async throws -> Void
    func run() async throws { try await body() }
}
