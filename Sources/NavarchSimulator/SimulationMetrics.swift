/// The figures of a run: GPUs in service over time, how fast failures were acted on and
/// mended, what the ladder did, what the providers were asked and charged, and goodput.
public struct SimulationMetrics: Sendable, Codable, Equatable {
    /// The fleet at one moment.
    public struct Sample: Sendable, Codable, Equatable {
        /// Seconds since the start.
        public var at: Double
        /// GPUs on nodes in service whose machine works.
        public var healthyGPUs: Int
        /// GPUs on machines being paid for.
        public var paidGPUs: Int
        /// Nodes registered and not terminated.
        public var nodes: Int
        /// Of those, nodes out of service (cordoned, draining, repairing, unhealthy or silent).
        public var outOfService: Int
    }

    /// One rung of the remediation ladder: how often it was tried and how it went.
    public struct Rung: Sendable, Codable, Equatable {
        public var requested = 0
        public var succeeded = 0
        public var failed = 0

        public init(requested: Int = 0, succeeded: Int = 0, failed: Int = 0) {
            self.requested = requested
            self.succeeded = succeeded
            self.failed = failed
        }
    }

    /// What one provider was asked, how it answered, and what its machines cost.
    public struct ProviderFigures: Sendable, Codable, Equatable {
        public var calls = ProviderCalls()
        public var gpuHours = 0.0
        public var costUSD = 0.0
    }

    /// Seconds between samples.
    public var sampleInterval = 0.0
    public var samples: [Sample] = []
    /// Failures the world caused, by type.
    public var failures: [String: Int] = [:]
    /// From a failure to its node being taken out of service, for failures that were.
    public var detectionToCordon = Distribution([])
    /// From a failure that took a node out of service to its GPUs serving again: the node
    /// repaired, or its replacement registered and healthy.
    public var failureToHealthy = Distribution([])
    /// Failures the node shrugged off without leaving service (a warning-level XID, a
    /// network blip shorter than the grace).
    public var failuresAbsorbed = 0
    /// Failures still unmended at the end.
    public var failuresOpen = 0
    /// By rung: reset_gpu, reboot, replace.
    public var repairs: [String: Rung] = [:]
    public var breakerTrips = 0
    public var providers: [String: ProviderFigures] = [:]
    public var healthyGPUHours = 0.0
    public var paidGPUHours = 0.0
    public var costUSD = 0.0
    /// Healthy GPU-hours over paid GPU-hours.
    public var goodput = 0.0

    public init() {}

    /// The figures a `metric` assertion can name.
    public static let names = [
        "goodput", "healthy_gpu_hours", "paid_gpu_hours", "cost_usd", "failures", "failures_open", "detection_p50", "detection_p90",
        "mttr_p50", "mttr_p90", "resets", "resets_succeeded", "reboots", "replacements", "breaker_trips", "provider_errors",
        "capacity_errors", "preemptions",
    ]

    /// The figure named `name` (one of ``names``).
    public func value(named name: String) -> Double? {
        switch name {
        case "goodput": goodput
        case "healthy_gpu_hours": healthyGPUHours
        case "paid_gpu_hours": paidGPUHours
        case "cost_usd": costUSD
        case "failures": Double(failures.values.reduce(0, +))
        case "failures_open": Double(failuresOpen)
        case "detection_p50": detectionToCordon.p50
        case "detection_p90": detectionToCordon.p90
        case "mttr_p50": failureToHealthy.p50
        case "mttr_p90": failureToHealthy.p90
        case "resets": Double(repairs["reset_gpu"]?.requested ?? 0)
        case "resets_succeeded": Double(repairs["reset_gpu"]?.succeeded ?? 0)
        case "reboots": Double(repairs["reboot"]?.requested ?? 0)
        case "replacements": Double(repairs["replace"]?.requested ?? 0)
        case "breaker_trips": Double(breakerTrips)
        case "provider_errors": Double(providers.values.reduce(0) { $0 + $1.calls.errors })
        case "capacity_errors": Double(providers.values.reduce(0) { $0 + $1.calls.capacityErrors })
        case "preemptions": Double(providers.values.reduce(0) { $0 + $1.calls.preemptions })
        default: nil
        }
    }
}
