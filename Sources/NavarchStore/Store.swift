import Foundation
import NavarchCore

/// Durable fleet state. Every method returns only once the fact is stored: the control plane
/// acknowledges nothing it has not written.
public protocol Store: Sendable {
    func loadSnapshot() async throws -> FleetSnapshot

    /// Writes every record in one transaction, in order: when it throws, none of them is stored.
    /// An event's sequence number is kept when it has one (the fleet brain numbers its events)
    /// and given by the store when it is 0.
    func commit(_ records: [StoreRecord]) async throws

    /// Appends an event and returns it with its sequence number (the next one when it has none).
    func appendEvent(_ event: FleetEvent) async throws -> FleetEvent
    /// Events after `sequence`, oldest first, at most `limit`, optionally for one node or pool.
    func events(after sequence: Int64, limit: Int, nodeID: String?, pool: String?) async throws -> [FleetEvent]

    /// Commands for `nodeID` not yet acknowledged, oldest first.
    func pendingCommands(for nodeID: String) async throws -> [NodeCommand]
}

extension Store {
    public func savePool(_ pool: Pool) async throws { try await commit([.pool(pool)]) }
    public func deletePool(named name: String) async throws { try await commit([.poolDeleted(name)]) }
    public func saveInstance(_ instance: Instance) async throws { try await commit([.instance(instance)]) }
    public func saveNode(_ node: Node) async throws { try await commit([.node(node)]) }
    public func saveCommand(_ command: NodeCommand) async throws { try await commit([.command(command)]) }
    /// Writes a batch of last-heartbeat times (heartbeats are held in memory and flushed in batches).
    public func saveHeartbeats(_ heartbeats: [String: Date]) async throws {
        guard !heartbeats.isEmpty else { return }
        try await commit([.heartbeats(heartbeats)])
    }
    /// Stores a piece of control-plane state by key (circuit breakers, back-offs); `nil` removes it.
    public func saveSetting(_ key: String, _ value: Data?) async throws { try await commit([.setting(key, value)]) }
}
