import Foundation
import NavarchCore
import NavarchHealth

/// Everything `navarch serve` can be told, with its defaults. `examples/navarch.yaml`
/// documents the same keys; ``ConfigurationFile`` reads them from YAML.
@dynamicMemberLookup
public struct ControlPlaneConfiguration: Sendable, Equatable {
    /// What the fleet brain decides by: timeouts, remediation, breakers, rate limits, diagnostic
    /// schedules. Its fields read and write as this configuration's own
    /// (`configuration.heartbeatInterval`).
    public var fleet = FleetPolicy()
    /// Address the gRPC API listens on. Default `127.0.0.1`.
    public var grpcHost = "127.0.0.1"
    /// Port of the gRPC API; 0 picks a free one. Default 50051.
    public var grpcPort = 50051
    /// Calls one gRPC connection may have in flight, advertised to clients in the HTTP/2
    /// settings so that they queue the rest (`grpc.max_concurrent_streams`). Default 4096.
    public var grpcMaxConcurrentStreams = 4096
    /// Address the HTTP API listens on. Default `127.0.0.1`.
    public var httpHost = "127.0.0.1"
    /// Port of the HTTP API; 0 picks a free one. Default 8080.
    public var httpPort = 8080
    /// Serve gRPC and HTTP in plaintext, without TLS (`tls.insecure`, `--insecure`): for a
    /// trusted network only; a warning is logged at every start. Tokens are still required.
    public var insecure = false
    /// The server certificate chain and key (PEM) to serve TLS with (`tls.cert_file`,
    /// `tls.key_file`). Default: a CA and certificate the control plane makes in `DATA/tls/`.
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// The CA certificate (PEM) agents are given to trust the server by, with a certificate
    /// of one's own (`tls.ca_file`); default: the system's roots.
    public var tlsCAFile: String?
    /// Mutual TLS (`tls.client_ca_file`): every gRPC and HTTP client must present a certificate
    /// signed by this CA (PEM), besides its bearer credential. Default: none asked for.
    public var tlsClientCAFile: String?
    /// Calls a minute each principal (token, node, or anonymous address) may make, bursts
    /// included; more get RESOURCE_EXHAUSTED / 429 (`limits.calls_per_minute`). Default 6000.
    public var callsPerMinute = 6000
    /// Event streams one principal may hold open (`limits.streams_per_principal`). Default 16.
    public var streamsPerPrincipal = 16
    /// The largest gRPC message or HTTP request body accepted (`limits.max_message_bytes`).
    /// Default 4 MiB.
    public var maxMessageBytes = 4 * 1024 * 1024
    /// A gRPC or HTTP connection idle for this long is closed (`limits.idle_timeout`).
    /// Default 5 min.
    public var idleTimeout: Duration = .seconds(300)
    /// `host:port` node agents use to reach the gRPC API. Default: the gRPC listening address
    /// (with `127.0.0.1` when listening on all interfaces).
    public var advertisedAddress: String?
    /// Where the database and local instances live. Default `~/.local/share/navarch`.
    public var dataDirectory = ControlPlaneConfiguration.defaultDataDirectory
    /// How a pool with several providers picks one: priority, cost, availability, round-robin.
    public var provisioningStrategy: ProvisioningStrategy = .priority
    /// How often every provider's machines are listed to terminate orphans. Default 5 min.
    public var orphanSweepInterval: Duration = .seconds(300)
    /// The `local` provider's agent executable; default: found beside the running executable.
    public var localNodeBinary: String?
    /// Cloud providers' settings (`providers.aws`, ...) by provider and key, as written in
    /// navarch.yaml: each value a string or a list of strings. The provider checks them.
    public var providerSettings: [String: [String: ProviderSetting]] = [:]
    /// The `navarch-node` binary cloud machines download from `GET /v1/agent/navarch-node`;
    /// default: beside the running executable.
    public var agentBinary: String?
    /// Where cloud machines download the agent instead (a mirror); needs `agentSHA256`.
    public var agentURL: String?
    /// The SHA-256 of the binary at `agentURL`.
    public var agentSHA256: String?
    /// How long a cloud machine's join token is good for. Default 1 h.
    public var joinTokenLifetime: Duration = .seconds(3600)
    /// `navarch-node` arguments cloud machines run with. Default `--backend nvml`.
    public var agentArguments = ["--backend", "nvml"]
    /// Log level: trace, debug, info, notice, warning, error, critical. Default `info`.
    public var logLevel = "info"
    /// The health policy sent to every agent (`health:` in navarch.yaml over the built-in one).
    public var healthPolicy: HealthPolicy = .builtin
    /// How often the control plane looks for scheduled diagnostics that are due.
    public var diagnosticScheduleCheckInterval: Duration = .seconds(30)


    /// Pools defined in navarch.yaml (`pools.<name>`).
    public var pools: [PoolDefinition] = []
    /// How often the pools' autoscalers run (`autoscaling.interval`). Default 30 s.
    public var autoscaleInterval: Duration = .seconds(30)
    /// The workload scheduler told before nodes are drained or terminated (`coordinator`).
    public var coordinator: CoordinatorSettings?
    /// Where events are sent besides the log (`notifications`).
    public var notifications: [NotificationRoute] = []

    public init() {}

    public subscript<Value>(dynamicMember field: WritableKeyPath<FleetPolicy, Value>) -> Value {
        get { fleet[keyPath: field] }
        set { fleet[keyPath: field] = newValue }
    }

    /// The silence grace in force.
    public var effectiveSilenceGrace: Duration { fleet.effectiveSilenceGrace }

    /// `~/.local/share/navarch`, or `$XDG_DATA_HOME/navarch`.
    public static var defaultDataDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/navarch" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/navarch"
    }

    /// The SQLite database file.
    public var databasePath: String { dataDirectory + "/navarch.db" }
    /// The admin token a control plane writes on its first start.
    public var adminTokenPath: String { dataDirectory + "/admin.token" }
    /// The folder of the control plane's own CA and server certificate.
    public var tlsDirectory: String { dataDirectory + "/tls" }
}
