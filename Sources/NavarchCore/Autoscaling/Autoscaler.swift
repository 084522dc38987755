import Foundation

/// Decides how many nodes a pool should have, a pure function: the pool's metrics and the time
/// in, a recommendation out. Cooldowns and the pool's bounds are applied afterwards by
/// ``ScalingDecider``, the same for every autoscaler.
public protocol Autoscaler: Sendable {
    /// The recommendation for now, or nil when this autoscaler has no opinion (no metrics yet).
    func recommend(_ metrics: AutoscalerMetrics) -> ScaleRecommendation?
}

/// What an autoscaler sees of a pool.
public struct AutoscalerMetrics: Sendable, Equatable {
    public var now: Date
    /// The pool's current desired size.
    public var desiredNodes: Int
    /// Nodes serving (live, not being replaced).
    public var servingNodes: Int
    public var gpusPerNode: Int
    /// Mean GPU utilisation of the pool's serving nodes, percent; nil when no node reported one.
    public var utilization: Double?
    /// Earlier utilisation samples, oldest first, for trends.
    public var utilizationHistory: [UtilizationSample]
    /// Jobs waiting for the pool.
    public var queueDepth: Int
    /// Jobs running, per node.
    public var nodeJobs: [String: Int]

    public init(
        now: Date, desiredNodes: Int, servingNodes: Int, gpusPerNode: Int = 8, utilization: Double? = nil,
        utilizationHistory: [UtilizationSample] = [], queueDepth: Int = 0, nodeJobs: [String: Int] = [:]
    ) {
        self.now = now
        self.desiredNodes = desiredNodes
        self.servingNodes = servingNodes
        self.gpusPerNode = gpusPerNode
        self.utilization = utilization
        self.utilizationHistory = utilizationHistory
        self.queueDepth = queueDepth
        self.nodeJobs = nodeJobs
    }

    /// Jobs running on the pool's nodes.
    public var runningJobs: Int { nodeJobs.values.reduce(0, +) }
}

/// One utilisation reading of a pool.
public struct UtilizationSample: Sendable, Equatable, Codable {
    public var time: Date
    public var percent: Double

    public init(time: Date, percent: Double) {
        self.time = time
        self.percent = percent
    }
}

/// An autoscaler's answer: a size, bounds for the time being (a schedule's window), or both.
public struct ScaleRecommendation: Sendable, Equatable {
    public var desiredNodes: Int?
    public var minNodes: Int?
    public var maxNodes: Int?
    public var reason: String

    public init(desiredNodes: Int? = nil, minNodes: Int? = nil, maxNodes: Int? = nil, reason: String) {
        self.desiredNodes = desiredNodes
        self.minNodes = minNodes
        self.maxNodes = maxNodes
        self.reason = reason
    }
}
