import Foundation
import NavarchCore
import Synchronization

/// A store that keeps everything in memory, for tests and the simulator.
public final class InMemoryStore: Store {
    private struct State {
        var pools: [String: Pool] = [:]
        var instances: [String: Instance] = [:]
        var nodes: [String: Node] = [:]
        var events: [FleetEvent] = []
        var commands: [String: NodeCommand] = [:]
        var commandOrder: [String] = []
        var settings: [String: Data] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public func loadSnapshot() async throws -> FleetSnapshot {
        state.withLock { state in
            FleetSnapshot(
                pools: state.pools.values.sorted { $0.name < $1.name },
                instances: state.instances.values.sorted { $0.createdAt < $1.createdAt },
                nodes: state.nodes.values.sorted { $0.id < $1.id },
                lastEventSequence: state.events.last?.sequence ?? 0, settings: state.settings)
        }
    }

    public func savePool(_ pool: Pool) async throws { state.withLock { $0.pools[pool.name] = pool } }
    public func deletePool(named name: String) async throws { state.withLock { $0.pools[name] = nil } }
    public func saveInstance(_ instance: Instance) async throws { state.withLock { $0.instances[instance.id] = instance } }
    public func saveNode(_ node: Node) async throws { state.withLock { $0.nodes[node.id] = node } }

    public func appendEvent(_ event: FleetEvent) async throws -> FleetEvent {
        state.withLock { state in
            var stored = event
            stored.sequence = (state.events.last?.sequence ?? 0) + 1
            state.events.append(stored)
            return stored
        }
    }

    public func events(after sequence: Int64, limit: Int, nodeID: String?, pool: String?) async throws -> [FleetEvent] {
        state.withLock { state in
            Array(state.events.lazy.filter {
                $0.sequence > sequence && (nodeID == nil || $0.nodeID == nodeID) && (pool == nil || $0.pool == pool)
            }.prefix(limit))
        }
    }

    public func saveCommand(_ command: NodeCommand) async throws {
        state.withLock { state in
            if state.commands[command.id] == nil { state.commandOrder.append(command.id) }
            state.commands[command.id] = command
        }
    }

    public func pendingCommands(for nodeID: String) async throws -> [NodeCommand] {
        state.withLock { state in
            state.commandOrder.compactMap { state.commands[$0] }.filter { $0.nodeID == nodeID && $0.acknowledgedAt == nil }
        }
    }

    public func saveHeartbeats(_ heartbeats: [String: Date]) async throws {
        state.withLock { state in
            for (id, time) in heartbeats { state.nodes[id]?.lastHeartbeat = time }
        }
    }

    public func saveSetting(_ key: String, _ value: Data?) async throws {
        state.withLock { $0.settings[key] = value }
    }
}
