import Foundation
import NavarchCore

/// A simulation as a scenario file describes it, in the reference project's schema (`fleet`,
/// `events`, `assertions`, `stress`) with Navarch's additions (`pools`, `world`).
public struct Scenario: Sendable, Equatable {
    public var name: String
    public var description = ""
    /// Machines that exist from the start (the reference's fixed fleet); they join at `start_fleet`.
    public var fleet: [Machine] = []
    /// Pools Navarch provisions and keeps at size through simulated providers.
    public var pools: [PoolSpec] = []
    public var events: [Event] = []
    public var assertions: [Assertion] = []
    public var stress: Stress?
    public var world = World()
    /// Simulated providers and how each behaves; a provider a pool or machine names that is not
    /// listed behaves as `world` says.
    public var providers: [ProviderSpec] = []
    /// A navarch.yaml (relative to the scenario file) whose fleet policy, health policy and
    /// pools the run decides by, unless the command line names another.
    public var policyFile = ""
    /// The file it came from, for messages.
    public var file = ""

    public init(name: String) { self.name = name }

    public struct Machine: Sendable, Equatable {
        public var id: String
        public var provider: String
        public var region = ""
        public var zone = ""
        public var instanceType = ""
        public var gpuCount = 8
        public var gpuType = ""
        public var labels: [String: String] = [:]
    }

    /// A pool Navarch keeps at size (Navarch's `pools` section, or one the stress generator made).
    public struct PoolSpec: Sendable, Equatable {
        public var name: String
        /// One provider or several in order of preference (`aws,lambda`).
        public var provider: String
        public var gpuType: String
        public var nodes: Int
        public var minNodes = 0
        public var maxNodes = 0
        public var zones: [String] = []
        public var spot = false
        /// A spot request without capacity is asked again on-demand.
        public var spotFallback = false
        public var labels: [String: String] = [:]

        /// The pool as the brain applies it.
        public var configured: ConfiguredPool {
            var options = PoolOptions()
            options.spot = spot
            if spotFallback { options.spotFallback = .onDemand }
            let type = try? InstanceTypeCatalog.named(gpuType)
            return ConfiguredPool(
                name: name, provider: provider, gpuType: gpuType, gpus: nodes * (type?.gpusPerNode ?? 8), minNodes: minNodes,
                maxNodes: maxNodes, labels: labels, options: options, zones: zones)
        }
    }

    /// A simulated cloud: its zones, how much each holds, how it boots machines, how often it
    /// fails a call and how often it takes spot machines back. Unset values come from `world`.
    public struct ProviderSpec: Sendable, Equatable {
        public var name: String
        public var region = ""
        public var zones: [String] = []
        public var capacityPerZone: Int?
        public var apiErrorRate: Double?
        public var bootTime: Duration?
        public var spotPreemptionsPerDay: Double?
    }

    public struct Event: Sendable, Equatable {
        public enum Action: String, Sendable, CaseIterable {
            case startFleet = "start_fleet", stopFleet = "stop_fleet", injectFailure = "inject_failure"
            case recoverFailure = "recover_failure", issueCommand = "issue_command", waitForStatus = "wait_for_status"
            case wait, log, assert
            /// Navarch's: a pool's job queue reaches `depth` (its queue autoscaler reads it).
            case setQueue = "set_queue"
        }
        public var at: Duration
        public var action: Action
        public var target = ""
        public var params: [String: String] = [:]
        /// Line in the file, for messages.
        public var line = 0
    }

    public struct Assertion: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            case nodeStatus = "node_status", healthStatus = "health_status", nodeCount = "node_count"
            /// Navarch's: a figure of the run's metrics (`target`) against `expected`, such as `>= 0.95`.
            case metric
        }
        public var kind: Kind
        public var target = ""
        public var expected: String
        public var line = 0
    }

    /// The reference's `stress` section: a generated fleet under chaos for a duration.
    public struct Stress: Sendable, Equatable {
        public var duration: Duration = .seconds(60)
        public var metricsInterval: Duration = .seconds(5)
        public var seed: UInt64?
        public var reportFile = ""
        public var htmlReportFile = ""
        public var fleetGen: FleetGen?
        public var chaos = Chaos()
    }

    public struct FleetGen: Sendable, Equatable {
        public struct Template: Sendable, Equatable {
            public var name: String
            public var weight: Double = 1
            public var gpuCount = 8
            public var gpuType = ""
            public var instanceType = ""
        }
        public var totalNodes = 0
        public var templates: [Template] = []
        /// Percentages by provider name, in file order.
        public var providers: [(String, Double)] = []
        public var regions: [(String, Double)] = []
        public var zones: [String] = []
        public var startup = Startup()

        public static func == (a: FleetGen, b: FleetGen) -> Bool {
            a.totalNodes == b.totalNodes && a.templates == b.templates && a.providers.map(\.0) == b.providers.map(\.0)
                && a.providers.map(\.1) == b.providers.map(\.1) && a.regions.map(\.0) == b.regions.map(\.0) && a.zones == b.zones
                && a.startup == b.startup
        }
    }

    public struct Startup: Sendable, Equatable {
        public enum Pattern: String, Sendable, CaseIterable { case instant, linear, exponential, wave }
        public var pattern: Pattern = .instant
        public var duration: Duration = .seconds(0)
        public var jitterPercent: Double = 0
    }

    public struct Chaos: Sendable, Equatable {
        public var enabled = false
        /// Failures per minute per 1,000 nodes.
        public var failureRate: Double = 0
        public var xidDistribution: [(code: Int, weight: Double)] = []
        public var failureTypes: [(type: FailureType, weight: Double)] = []
        public var cascading = Cascading()
        public var recovery = Recovery()
        public var outages: [Outage] = []

        public static func == (a: Chaos, b: Chaos) -> Bool {
            a.enabled == b.enabled && a.failureRate == b.failureRate && a.xidDistribution.map(\.code) == b.xidDistribution.map(\.code)
                && a.xidDistribution.map(\.weight) == b.xidDistribution.map(\.weight) && a.failureTypes.map(\.type) == b.failureTypes.map(\.type)
                && a.cascading == b.cascading && a.recovery == b.recovery && a.outages == b.outages
        }
    }

    public enum FailureType: String, Sendable, CaseIterable {
        case xidError = "xid_error", temperature, memoryError = "memory_error", nvlinkError = "nvlink_error"
        case backendError = "backend_error", nvmlFailure = "nvml_failure", bootFailure = "boot_failure", network
    }

    public enum Scope: String, Sendable, CaseIterable { case rack, zone, region, provider }

    public struct Cascading: Sendable, Equatable {
        public var enabled = false
        public var probability: Double = 0
        public var maxDepth = 1
        public var minDelay: Duration = .seconds(1)
        public var maxDelay: Duration = .seconds(10)
        public var scope: Scope = .zone
        public var maxAffectedPercent: Double = 0.1
    }

    public struct Recovery: Sendable, Equatable {
        public var enabled = false
        public var probability: Double = 0
        public var meanTime: Duration = .seconds(60)
        public var standardDeviation: Duration = .seconds(0)
    }

    public struct Outage: Sendable, Equatable {
        public var name = ""
        public var start: Duration
        public var duration: Duration
        public var scope: Scope
        public var target: String
        public var failureType: FailureType = .network
    }

    /// How the simulated world behaves where the file says nothing (Navarch's `world` section).
    public struct World: Sendable, Equatable {
        /// How long a new machine takes to boot and register (on average; it varies by
        /// `boot_time_deviation`).
        public var bootTime: Duration = .seconds(60)
        public var bootTimeDeviation: Duration = .seconds(10)
        /// Share of new machines that never come up (their agent never registers).
        public var bootFailureRate: Double = 0
        /// How long a provider takes to answer a call.
        public var providerLatency: Duration = .seconds(2)
        /// Times a day a spot machine is taken back by its provider, on average.
        public var spotPreemptionsPerDay: Double = 0.5
        /// How long a workload scheduler takes to move a node's work, on average (exponential).
        public var coordinatorDrainTime: Duration = .seconds(120)
        /// Share of provider calls answered 429 or 500 (tried again by the reconciler).
        public var apiErrorRate: Double = 0
        /// Machines each zone has (0: unlimited); past it a provision fails for capacity.
        public var capacityPerZone = 0
        public var resetTime: Duration = .seconds(60)
        /// Chance a GPU reset clears the fault.
        public var resetSuccess: Double = 0.7
        public var rebootTime: Duration = .seconds(300)
        public var rebootSuccess: Double = 0.9
        public var diagnosticTime: Duration = .seconds(600)
    }
}
