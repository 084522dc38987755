import Foundation
import NavarchCore

/// What a store would hold after the records committed so far, as a value: the brain's tests
/// commit each input's records here and restart a brain from ``snapshot`` to play a control
/// plane killed at that point.
public struct StoredFleet: Sendable {
    public private(set) var pools: [String: Pool] = [:]
    public private(set) var instances: [String: Instance] = [:]
    public private(set) var nodes: [String: Node] = [:]
    public private(set) var events: [FleetEvent] = []
    public private(set) var commands: [String: NodeCommand] = [:]
    private var commandOrder: [String] = []
    public private(set) var settings: [String: Data] = [:]
    /// Transactions committed so far.
    public private(set) var commits = 0

    public init() {}

    public mutating func commit(_ records: [StoreRecord]) {
        guard !records.isEmpty else { return }
        commits += 1
        for record in records {
            switch record {
            case .pool(let pool): pools[pool.name] = pool
            case .poolDeleted(let name): pools[name] = nil
            case .instance(let instance): instances[instance.id] = instance
            case .node(let node): nodes[node.id] = node
            case .event(let event): events.append(event)
            case .command(let command):
                if commands[command.id] == nil { commandOrder.append(command.id) }
                commands[command.id] = command
            case .heartbeats(let times): for (id, time) in times { nodes[id]?.lastHeartbeat = time }
            case .setting(let key, let value): settings[key] = value
            }
        }
    }

    /// What a control plane starting now would load.
    public var snapshot: FleetSnapshot {
        FleetSnapshot(
            pools: pools.values.sorted { $0.name < $1.name }, instances: instances.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) },
            nodes: nodes.values.sorted { $0.id < $1.id }, lastEventSequence: events.last?.sequence ?? 0, settings: settings,
            pendingCommands: commandOrder.compactMap { commands[$0] }.filter { $0.acknowledgedAt == nil })
    }
}
