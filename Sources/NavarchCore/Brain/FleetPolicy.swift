import Foundation

/// The configuration the fleet brain decides by: timeouts, limits, breakers and rate limits.
/// The control plane builds it from navarch.yaml; tests and the simulator build their own.
public struct FleetPolicy: Sendable, Equatable {
    /// How often agents heartbeat. Default 5 s.
    public var heartbeatInterval: Duration = .seconds(5)
    /// Heartbeats missed in a row before a node is marked unhealthy. Default 3.
    public var missedHeartbeatsBeforeUnhealthy = 3
    /// How long an instance may take to register, from its provider call, before it is failed. Default 120 s.
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
    /// How long a provider that reported no capacity is passed over for that pool. Default 10 min.
    public var capacityRetryAfter: Duration = .seconds(600)
    /// Pause before a refused termination is asked for again.
    public var terminateRetryAfter: Duration = .seconds(2)
    /// Provider used by pools that name none. Default `local`.
    public var defaultProvider = "local"
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
    /// Recurring active diagnostics per pool (`diagnostics.schedules`).
    public var diagnosticSchedules: [DiagnosticSchedule] = []
    /// The workload scheduler told before drains, if any.
    public var coordinator: CoordinatorPolicy?

    public init() {}

    /// The silence grace in force.
    public var effectiveSilenceGrace: Duration {
        silenceGrace ?? heartbeatInterval * missedHeartbeatsBeforeUnhealthy
    }

    /// How long a node may be silent before it is unhealthy.
    public var silenceTimeout: TimeInterval {
        heartbeatInterval.timeInterval * Double(missedHeartbeatsBeforeUnhealthy)
    }
}
