import Foundation
import NavarchCore

/// Durable fleet state. Every method returns only once the fact is stored: the control plane
/// acknowledges nothing it has not written.
public protocol Store: Sendable {
    func loadSnapshot() async throws -> FleetSnapshot

    func savePool(_ pool: Pool) async throws
    func deletePool(named name: String) async throws

    func saveInstance(_ instance: Instance) async throws
    func saveNode(_ node: Node) async throws

    /// Appends an event and returns it with its sequence number.
    func appendEvent(_ event: FleetEvent) async throws -> FleetEvent
    /// Events after `sequence`, oldest first, at most `limit`, optionally for one node or pool.
    func events(after sequence: Int64, limit: Int, nodeID: String?, pool: String?) async throws -> [FleetEvent]

    func saveCommand(_ command: NodeCommand) async throws
    /// Commands for `nodeID` not yet acknowledged, oldest first.
    func pendingCommands(for nodeID: String) async throws -> [NodeCommand]

    /// Writes a batch of last-heartbeat times (heartbeats are held in memory and flushed in batches).
    func saveHeartbeats(_ heartbeats: [String: Date]) async throws

    /// Stores a piece of control-plane state by key (circuit breakers, autoscaler state);
    /// `nil` removes it.
    func saveSetting(_ key: String, _ value: Data?) async throws
}

/// Everything the control plane loads when it starts.
public struct FleetSnapshot: Sendable, Equatable {
    public var pools: [Pool]
    public var instances: [Instance]
    public var nodes: [Node]
    public var lastEventSequence: Int64
    /// Everything saved with ``Store/saveSetting(_:_:)``.
    public var settings: [String: Data]

    public init(pools: [Pool] = [], instances: [Instance] = [], nodes: [Node] = [], lastEventSequence: Int64 = 0, settings: [String: Data] = [:]) {
        self.settings = settings
        self.pools = pools
        self.instances = instances
        self.nodes = nodes
        self.lastEventSequence = lastEventSequence
    }
}
