import Foundation
import NavarchCore
import NavarchHealth

/// Everything `navarch serve` can be told, with its defaults. `examples/navarch.yaml`
/// documents the same keys; ``ConfigurationFile`` reads them from YAML.
public struct ControlPlaneConfiguration: Sendable, Equatable {
    /// Address the gRPC API listens on. Default `127.0.0.1`.
    public var grpcHost = "127.0.0.1"
    /// Port of the gRPC API; 0 picks a free one. Default 50051.
    public var grpcPort = 50051
    /// Address the HTTP API listens on. Default `127.0.0.1`.
    public var httpHost = "127.0.0.1"
    /// Port of the HTTP API; 0 picks a free one. Default 8080.
    public var httpPort = 8080
    /// `host:port` node agents use to reach the gRPC API. Default: the gRPC listening address
    /// (with `127.0.0.1` when listening on all interfaces).
    public var advertisedAddress: String?
    /// Where the database and local instances live. Default `~/.local/share/navarch`.
    public var dataDirectory = ControlPlaneConfiguration.defaultDataDirectory
    /// How often agents heartbeat. Default 5 s.
    public var heartbeatInterval: Duration = .seconds(5)
    /// Heartbeats missed in a row before a node is marked unhealthy. Default 3.
    public var missedHeartbeatsBeforeUnhealthy = 3
    /// How long an instance may take to register before it is failed. Default 120 s.
    public var registrationTimeout: Duration = .seconds(120)
    /// How long a condemned instance waits for its replacement before it is terminated anyway. Default 900 s.
    public var replacementTimeout: Duration = .seconds(900)
    /// Pause after a failed instance before provisioning again. Default 5 s.
    public var provisionRetryBackoff: Duration = .seconds(5)
    /// Each further failed instance in a row doubles the pause, up to this. Default 30 min.
    public var provisionMaxBackoff: Duration = .seconds(1800)
    /// Machines of a pool in a row that never register before its provisioning breaker opens
    /// (nothing more is bought until `navarch breaker reset POOL`); 0 turns it off. Default 3.
    public var provisioningBreakerAfter = 3
    /// How a pool with several providers picks one: priority, cost, availability, round-robin.
    public var provisioningStrategy: ProvisioningStrategy = .priority
    /// How long a provider that reported no capacity is passed over for that pool. Default 10 min.
    public var capacityRetryAfter: Duration = .seconds(600)
    /// How often every provider's machines are listed to terminate orphans. Default 5 min.
    public var orphanSweepInterval: Duration = .seconds(300)
    /// Provider used by pools that name none. Default `local`.
    public var defaultProvider = "local"
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
    /// Recurring active diagnostics per pool (`diagnostics.schedules`).
    public var diagnosticSchedules: [DiagnosticSchedule] = []
    /// How often the control plane looks for scheduled diagnostics that are due.
    public var diagnosticScheduleCheckInterval: Duration = .seconds(30)

    /// How far the remediation ladder goes on each rung (`remediation.gpu_resets`,
    /// `reset_window`, `reboots`, `reboot_window`). Default: 2 GPU resets in 24 h, then 1
    /// reboot in 24 h, then replacement.
    public var remediationLimits = RemediationLimits()
    /// Run a level-1 DCGM diagnostic after a GPU reset or reboot, besides the boot checks, before
    /// the node goes back in service (`remediation.validate_with_diagnostic`). Default false.
    public var validateRepairsWithDiagnostic = false
    /// Nodes of one pool in remediation (repairing or being replaced) at once
    /// (`remediation.max_concurrent`). Default 2.
    public var maxConcurrentRemediations = 2
    /// How long a node that went silent waits before its replacement is requested, so that an
    /// outage taking its neighbours too trips the circuit breaker first
    /// (`remediation.silence_grace`). Default: one more detection window (heartbeat interval
    /// times missed heartbeats).
    public var silenceGrace: Duration?
    /// How long a GPU reset or reboot may take to be validated before it counts as failed
    /// (`remediation.repair_timeout`). Default 15 min.
    public var repairTimeout: Duration = .seconds(900)
    /// When the circuit breakers open (`circuit_breaker.unhealthy_share`, `window`,
    /// `minimum_nodes`). Default: more than 20% of a pool or of the fleet unhealthy within 10 min.
    public var circuitBreaker = CircuitBreaker.Settings()
    /// Provider calls allowed per minute (`rate_limits.*`).
    public var rateLimits = RateLimits()

    /// Pools defined in navarch.yaml (`pools.<name>`).
    public var pools: [PoolDefinition] = []
    /// How often the pools' autoscalers run (`autoscaling.interval`). Default 30 s.
    public var autoscaleInterval: Duration = .seconds(30)
    /// The workload scheduler told before nodes are drained or terminated (`coordinator`).
    public var coordinator: CoordinatorSettings?
    /// Where events are sent besides the log (`notifications`).
    public var notifications: [NotificationRoute] = []

    public init() {}

    /// The silence grace in force.
    public var effectiveSilenceGrace: Duration {
        silenceGrace ?? heartbeatInterval * missedHeartbeatsBeforeUnhealthy
    }

    /// `~/.local/share/navarch`, or `$XDG_DATA_HOME/navarch`.
    public static var defaultDataDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/navarch" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/navarch"
    }

    /// The SQLite database file.
    public var databasePath: String { dataDirectory + "/navarch.db" }
}
