import ArgumentParser
import Foundation
import Logging
import NavarchControlPlane
import NavarchCoordinators
import NavarchCore
import NavarchNotifiers
import NavarchProviders
import NavarchStore

/// `navarch serve`: the control plane with the embedded SQLite store and the local provider.
public struct ServeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the control plane (gRPC and HTTP APIs, health monitoring, remediation).")

    @Option(help: "Configuration file (YAML); flags override it.")
    var config: String?

    @Option(name: .customLong("data-dir"), help: "Where the database and local instances live (default ~/.local/share/navarch).")
    var dataDir: String?

    @Option(name: .customLong("grpc-host"), help: "gRPC listening address (default 127.0.0.1).")
    var grpcHost: String?

    @Option(name: .customLong("grpc-port"), help: "gRPC port; 0 picks a free one (default 50051).")
    var grpcPort: Int?

    @Option(name: .customLong("http-host"), help: "HTTP listening address (default 127.0.0.1).")
    var httpHost: String?

    @Option(name: .customLong("http-port"), help: "HTTP port; 0 picks a free one (default 8080).")
    var httpPort: Int?

    @Option(name: .customLong("node-binary"), help: "Node agent executable the local provider starts (default: beside this one).")
    var nodeBinary: String?

    @Option(name: .customLong("heartbeat-interval"), help: "Agent heartbeat interval, such as 5s or 500ms (default 5s).")
    var heartbeatInterval: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    @Flag(help: "Serve gRPC and HTTP in plaintext, without TLS: for a trusted network only (a warning is logged at every start).")
    var insecure = false

    @OptionGroup var credentials: CredentialsLocation

    public init() {}

    public func validate() throws {
        for (flag, port) in [("--grpc-port", grpcPort), ("--http-port", httpPort)] {
            if let port, !(0...65535).contains(port) { throw ValidationError("\(flag) must be from 0 to 65535, got \(port)") }
        }
        if let heartbeatInterval, DurationParser.parse(heartbeatInterval) == nil {
            throw ValidationError("--heartbeat-interval: expected a duration such as 5s or 500ms, got '\(heartbeatInterval)'")
        }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil { throw ValidationError("unknown log level '\(logLevel)'") }
    }

    /// The configuration from the file (when given) and the flags.
    func resolvedConfiguration() throws -> ControlPlaneConfiguration {
        var configuration = ControlPlaneConfiguration()
        if let config { configuration = try ConfigurationFile.load(path: config) }
        if let dataDir { configuration.dataDirectory = dataDir }
        if let grpcHost { configuration.grpcHost = grpcHost }
        if let grpcPort { configuration.grpcPort = grpcPort }
        if let httpHost { configuration.httpHost = httpHost }
        if let httpPort { configuration.httpPort = httpPort }
        if let nodeBinary { configuration.localNodeBinary = nodeBinary }
        if let heartbeatInterval, let interval = DurationParser.parse(heartbeatInterval) { configuration.heartbeatInterval = interval }
        if let logLevel { configuration.logLevel = logLevel }
        if insecure { configuration.insecure = true }
        return configuration
    }

    public func run() async throws {
        var configuration: ControlPlaneConfiguration
        do { configuration = try resolvedConfiguration() } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        var logger = Logger(label: "navarch.control-plane")
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info

        let store = try SQLiteStore(path: configuration.databasePath)
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let binary = try NodeBinary.locate(explicit: configuration.localNodeBinary, executable: executable)
        let local = try LocalProvider(
            stateDirectory: configuration.dataDirectory + "/local", nodeBinary: binary,
            logger: Logger(label: "navarch.provider.local"))
        logger.info("local provider", metadata: ["agent": "\(binary)", "database": "\(configuration.databasePath)"])
        if configuration.agentBinary == nil && binary.leadingArguments.isEmpty { configuration.agentBinary = binary.path }

        let clouds: [any Provider]
        do {
            clouds = try await ProviderAssembly.cloudProviders(
                configuration: configuration, credentials: credentials.store,
                environment: ProcessInfo.processInfo.environment, calls: ProviderCallLog())
        } catch let error as ProviderConfigurationError {
            throw ValidationError(error.description)
        }
        var plane = ControlPlane(configuration: configuration, store: store, logger: logger).with(provider: local)
        for cloud in clouds {
            logger.info("cloud provider", metadata: ["provider": "\(cloud.name)"])
            plane = plane.with(provider: cloud)
        }
        if let settings = configuration.coordinator {
            plane = plane.with(coordinator: try Self.coordinator(settings))
            logger.info("workload-scheduler coordinator", metadata: ["type": "\(settings.kind.rawValue)"])
        }
        let notifierLogger = logger
        let dataDirectory = configuration.dataDirectory
        try await plane
            .with(notifier: LogNotifier(style: .text) { line in notifierLogger.info("\(line)") })
            .with(notifiers: configuration.notifications.map { RoutedNotifier(route: $0) })
            .run(signals: [.sigterm, .sigint]) { endpoints in
                print("navarch control plane \(NavarchVersion.current): gRPC \(endpoints.grpcAddress), HTTP \(endpoints.httpURL), data \(dataDirectory)")
                if let ca = endpoints.caPath {
                    let fingerprint = (try? String(contentsOfFile: ca, encoding: .utf8)).flatMap { try? TLSMaterial.fingerprint(ofPEM: $0) } ?? "?"
                    print("TLS: clients trust \(ca) (SHA-256 \(fingerprint))")
                }
                if let copied = Self.shareAdminToken(endpoints.adminTokenPath) { print("admin token: \(copied)") }
                Output.flush()
            }
    }

    /// Copies the admin token a first start wrote to `~/.config/navarch/token`, where the CLI
    /// looks, unless a token is there already. Returns where the local user finds it.
    static func shareAdminToken(_ path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let environment = ProcessInfo.processInfo.environment
        let home = environment["HOME"] ?? NSHomeDirectory()
        let config = (environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config") + "/navarch"
        let target = config + "/token"
        let manager = FileManager.default
        if manager.fileExists(atPath: target) { return path }
        do {
            try manager.createDirectory(atPath: config, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch { return path }
        return manager.createFile(atPath: target, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) ? target : path
    }

    /// The coordinator `coordinator:` in navarch.yaml describes.
    static func coordinator(_ settings: CoordinatorSettings) throws -> any Coordinator {
        switch settings.kind {
        case .kubernetes:
            var kubernetes = settings.kubeconfig.isEmpty ? try KubernetesSettings.inCluster() : try KubernetesSettings.kubeconfig(path: settings.kubeconfig)
            kubernetes.nodeLabel = settings.nodeLabel
            return try KubernetesCoordinator(settings: kubernetes)
        case .slurm:
            return SlurmCoordinator(scontrol: settings.scontrol)
        case .webhook:
            return WebhookCoordinator(url: settings.url, secret: settings.secret)
        }
    }
}
