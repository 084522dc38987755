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

        /// Applies one record; an event comes back with its sequence.
        mutating func write(_ record: StoreRecord) -> FleetEvent? {
            switch record {
            case .pool(let pool): pools[pool.name] = pool
            case .poolDeleted(let name): pools[name] = nil
            case .instance(let instance): instances[instance.id] = instance
            case .node(let node): nodes[node.id] = node
            case .event(let event):
                var stored = event
                if stored.sequence <= 0 { stored.sequence = (events.last?.sequence ?? 0) + 1 }
                events.append(stored)
                return stored
            case .command(let command):
                if commands[command.id] == nil { commandOrder.append(command.id) }
                commands[command.id] = command
            case .heartbeats(let heartbeats):
                for (id, time) in heartbeats { nodes[id]?.lastHeartbeat = time }
            case .setting(let key, let value): settings[key] = value
            }
            return nil
        }
    }

    private let state = Mutex(State())

    public init() {}

    public func loadSnapshot() async throws -> FleetSnapshot {
        state.withLock { state in
            FleetSnapshot(
                pools: state.pools.values.sorted { $0.name < $1.name },
                instances: state.instances.values.sorted { $0.createdAt < $1.createdAt },
                nodes: state.nodes.values.sorted { $0.id < $1.id },
                lastEventSequence: state.events.last?.sequence ?? 0, settings: state.settings,
                pendingCommands: state.commandOrder.compactMap { state.commands[$0] }.filter { $0.acknowledgedAt == nil })
        }
    }

    public func commit(_ records: [StoreRecord]) async throws {
        state.withLock { state in
            for record in records { _ = state.write(record) }
        }
    }

    public func appendEvent(_ event: FleetEvent) async throws -> FleetEvent {
        state.withLock { $0.write(.event(event)) ?? event }
    }

    public func events(after sequence: Int64, limit: Int, nodeID: String?, pool: String?) async throws -> [FleetEvent] {
        state.withLock { state in
            Array(state.events.lazy.filter {
                $0.sequence > sequence && (nodeID == nil || $0.nodeID == nodeID) && (pool == nil || $0.pool == pool)
            }.prefix(limit))
        }
    }

    public func pendingCommands(for nodeID: String) async throws -> [NodeCommand] {
        state.withLock { state in
            state.commandOrder.compactMap { state.commands[$0] }.filter { $0.nodeID == nodeID && $0.acknowledgedAt == nil }
        }
    }
}
