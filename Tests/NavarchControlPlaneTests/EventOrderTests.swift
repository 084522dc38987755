import Foundation
import NavarchClient
import NavarchControlPlane
import NavarchCore
import NavarchProviders
import NavarchStore
import NavarchTesting
import Synchronization
import Testing

/// A store whose every other event append is slow, as a busy disk can be.
final class UnevenStore: Store {
    let inner = InMemoryStore()
    private let appends = Mutex(0)

    func loadSnapshot() async throws -> FleetSnapshot { try await inner.loadSnapshot() }
    func savePool(_ pool: Pool) async throws { try await inner.savePool(pool) }
    func deletePool(named name: String) async throws { try await inner.deletePool(named: name) }
    func saveInstance(_ instance: Instance) async throws { try await inner.saveInstance(instance) }
    func saveNode(_ node: Node) async throws { try await inner.saveNode(node) }
    func appendEvent(_ event: FleetEvent) async throws -> FleetEvent {
        let count = appends.withLock { $0 += 1; return $0 }
        let stored = try await inner.appendEvent(event)
        if count % 2 == 1 { try await Task.sleep(for: .milliseconds(20)) }
        return stored
    }
    func events(after sequence: Int64, limit: Int, nodeID: String?, pool: String?) async throws -> [FleetEvent] {
        try await inner.events(after: sequence, limit: limit, nodeID: nodeID, pool: pool)
    }
    func saveCommand(_ command: NodeCommand) async throws { try await inner.saveCommand(command) }
    func pendingCommands(for nodeID: String) async throws -> [NodeCommand] { try await inner.pendingCommands(for: nodeID) }
    func saveHeartbeats(_ heartbeats: [String: Date]) async throws { try await inner.saveHeartbeats(heartbeats) }
    func saveSetting(_ key: String, _ value: Data?) async throws { try await inner.saveSetting(key, value) }
}

@Suite struct EventOrderTests {
    /// Many calls record events at once while the store answers unevenly: a watcher gets every
    /// stored event, in sequence order, none skipped.
    @Test func aWatcherSeesEveryEventInOrder() async throws {
        let plane = ControlPlane(configuration: testConfiguration(), store: UnevenStore()).with(provider: FakeProvider()).with(clock: ManualClock())
        try await withFleet(plane) { client, _ in
            let seen = Recorder<Int64>()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await client.watchEvents(after: 0, nodeID: nil, pool: nil) { event in
                        seen.append(event.sequence)
                        return true
                    }
                }
                try await withThrowingTaskGroup(of: Void.self) { creators in
                    for index in 0..<12 {
                        creators.addTask { _ = try await client.createPool(name: "p\(index)", gpuType: "h100", gpus: 8) }
                    }
                    try await creators.waitForAll()
                }
                let stored = try await client.events(after: 0, limit: 10_000, nodeID: nil, pool: nil).map(\.sequence)
                try await eventually("the watcher has every stored event") { Set(seen.values).isSuperset(of: stored) }
                group.cancelAll()
            }
            let values = seen.values
            #expect(values == values.sorted(), "in sequence order")
        }
    }
}
