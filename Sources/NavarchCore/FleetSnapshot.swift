import Foundation

/// Everything the control plane loads when it starts.
public struct FleetSnapshot: Sendable, Equatable {
    public var pools: [Pool]
    public var instances: [Instance]
    public var nodes: [Node]
    public var lastEventSequence: Int64
    /// Everything saved with a `setting` record.
    public var settings: [String: Data]
    /// Commands not yet acknowledged, oldest first.
    public var pendingCommands: [NodeCommand]

    public init(
        pools: [Pool] = [], instances: [Instance] = [], nodes: [Node] = [], lastEventSequence: Int64 = 0, settings: [String: Data] = [:],
        pendingCommands: [NodeCommand] = []
    ) {
        self.settings = settings
        self.pendingCommands = pendingCommands
        self.pools = pools
        self.instances = instances
        self.nodes = nodes
        self.lastEventSequence = lastEventSequence
    }
}
