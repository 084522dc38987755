import Foundation
import NavarchClient
import NavarchControlPlane
import NavarchCore
import NavarchProviders
import NavarchStore
import NavarchTesting
import Synchronization
import Testing

/// A store whose every other transaction is slow, as a busy disk can be.
final class UnevenStore: Store {
    let inner = InMemoryStore()
    private let commits = Mutex(0)

    func loadSnapshot() async throws -> FleetSnapshot { try await inner.loadSnapshot() }
    func commit(_ records: [StoreRecord]) async throws {
        let count = commits.withLock { $0 += 1; return $0 }
        if count % 2 == 1 { try await Task.sleep(for: .milliseconds(20)) }
        try await inner.commit(records)
    }
    func appendEvent(_ event: FleetEvent) async throws -> FleetEvent { try await inner.appendEvent(event) }
    func events(after sequence: Int64, limit: Int, nodeID: String?, pool: String?) async throws -> [FleetEvent] {
        try await inner.events(after: sequence, limit: limit, nodeID: nodeID, pool: pool)
    }
    func pendingCommands(for nodeID: String) async throws -> [NodeCommand] { try await inner.pendingCommands(for: nodeID) }
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
