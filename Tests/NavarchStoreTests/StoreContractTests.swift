import Foundation
import NavarchCore
import NavarchStore
import Testing

/// The same contract for every store.
@Suite struct StoreContractTests {
    enum Kind: String, CaseIterable { case sqlite, memory }

    static func make(_ kind: Kind) throws -> (any Store, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("navarch-store-\(UUID().uuidString)").path
        switch kind {
        case .sqlite: return (try SQLiteStore(path: directory + "/navarch.db"), directory)
        case .memory: return (InMemoryStore(), directory)
        }
    }

    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: Kind.allCases)
    func savesAndLoadsEverything(_ kind: Kind) async throws {
        let (store, _) = try Self.make(kind)
        let pool = Pool(name: "demo", provider: "local", gpuType: "h100", gpusPerNode: 8, desiredNodes: 2, createdAt: now, nextNodeIndex: 2)
        let instance = Instance(id: "i-1", pool: "demo", provider: "local", providerInstanceID: "pid-1", state: .running, nodeID: "demo-0", instanceType: "h100", createdAt: now, condemned: true, condemnedReason: "XID 79", condemnedAt: now)
        var node = Node(id: "demo-0", pool: "demo", instanceID: "i-1", provider: "local", state: .cordoned, health: .unhealthy, healthReason: "XID 79", registeredAt: now)
        node.gpus = [GPU(index: 0, uuid: "GPU-1", model: "H100", pciBusID: "00000000:18:00.0", memoryTotalMiB: 81_559)]
        try await store.savePool(pool)
        try await store.saveInstance(instance)
        try await store.saveNode(node)
        let snapshot = try await store.loadSnapshot()
        #expect(snapshot.pools == [pool])
        #expect(snapshot.instances == [instance])
        #expect(snapshot.nodes == [node])

        try await store.deletePool(named: "demo")
        #expect(try await store.loadSnapshot().pools.isEmpty)
    }

    @Test(arguments: Kind.allCases)
    func aCommitKeepsGivenSequencesAndPendingCommandsComeBack(_ kind: Kind) async throws {
        let (store, _) = try Self.make(kind)
        let pool = Pool(name: "demo", provider: "local", gpuType: "h100", gpusPerNode: 8, desiredNodes: 1, createdAt: now)
        let command = NodeCommand(id: "c-1", nodeID: "demo-0", kind: .cordon, reason: "XID 79", issuedAt: now)
        var acknowledged = NodeCommand(id: "c-0", nodeID: "demo-0", kind: .drain, reason: "earlier", issuedAt: now.addingTimeInterval(-5))
        acknowledged.acknowledgedAt = now
        var event = FleetEvent(time: now, kind: "pool.created", nodeID: "", instanceID: "", pool: "demo", message: "1 node")
        event.sequence = 41
        try await store.commit([.pool(pool), .command(acknowledged), .command(command), .event(event), .setting("k", Data([1]))])
        let snapshot = try await store.loadSnapshot()
        #expect(snapshot.pools == [pool])
        #expect(snapshot.lastEventSequence == 41)
        #expect(snapshot.pendingCommands == [command])
        #expect(snapshot.settings["k"] == Data([1]))
        #expect(try await store.events(after: 0, limit: 10, nodeID: nil, pool: nil).map(\.sequence) == [41])
    }

    /// A transaction is all or nothing: an event whose number is taken fails the commit, and the
    /// pool written before it in the same commit is not stored either.
    @Test func aRefusedCommitStoresNothingOfIt() async throws {
        let (store, _) = try Self.make(.sqlite)
        var event = FleetEvent(time: now, kind: "pool.created", nodeID: "", instanceID: "", pool: "a", message: "")
        event.sequence = 1
        try await store.commit([.event(event)])
        let pool = Pool(name: "b", provider: "local", gpuType: "h100", gpusPerNode: 8, desiredNodes: 1, createdAt: now)
        await #expect(throws: (any Error).self) { try await store.commit([.pool(pool), .event(event)]) }
        let snapshot = try await store.loadSnapshot()
        #expect(snapshot.pools.isEmpty)
        #expect(snapshot.lastEventSequence == 1)
    }

    @Test(arguments: Kind.allCases)
    func eventsGetIncreasingSequencesAndFilter(_ kind: Kind) async throws {
        let (store, _) = try Self.make(kind)
        var sequences: [Int64] = []
        for index in 0..<5 {
            let event = FleetEvent(time: now, kind: "test", nodeID: index % 2 == 0 ? "a" : "b", pool: "p", message: "event \(index)", attributes: ["i": "\(index)"])
            sequences.append(try await store.appendEvent(event).sequence)
        }
        #expect(sequences == sequences.sorted() && Set(sequences).count == 5)
        let all = try await store.events(after: 0, limit: 100, nodeID: nil, pool: nil)
        #expect(all.map(\.message) == (0..<5).map { "event \($0)" })
        #expect(all[3].attributes == ["i": "3"])
        #expect(try await store.events(after: sequences[1], limit: 2, nodeID: nil, pool: nil).map(\.message) == ["event 2", "event 3"])
        #expect(try await store.events(after: 0, limit: 100, nodeID: "b", pool: nil).map(\.message) == ["event 1", "event 3"])
        #expect(try await store.events(after: 0, limit: 100, nodeID: nil, pool: "other").isEmpty)
        #expect(try await store.loadSnapshot().lastEventSequence == sequences.last)
    }

    @Test(arguments: Kind.allCases)
    func pendingCommandsUntilAcknowledged(_ kind: Kind) async throws {
        let (store, _) = try Self.make(kind)
        var first = NodeCommand(id: "c1", nodeID: "a", kind: .cordon, reason: "x", issuedAt: now)
        let second = NodeCommand(id: "c2", nodeID: "a", kind: .terminate, reason: "y", issuedAt: now.addingTimeInterval(1))
        try await store.saveCommand(first)
        try await store.saveCommand(second)
        try await store.saveCommand(NodeCommand(id: "c3", nodeID: "b", kind: .drain, reason: "z", issuedAt: now))
        #expect(try await store.pendingCommands(for: "a").map(\.id) == ["c1", "c2"])
        first.acknowledgedAt = now
        try await store.saveCommand(first)
        #expect(try await store.pendingCommands(for: "a").map(\.id) == ["c2"])
    }

    @Test(arguments: Kind.allCases)
    func heartbeatsAreWrittenInBatches(_ kind: Kind) async throws {
        let (store, _) = try Self.make(kind)
        try await store.saveNode(Node(id: "a", pool: "p", instanceID: "", provider: "", registeredAt: now))
        try await store.saveHeartbeats(["a": now.addingTimeInterval(5), "ghost": now])
        #expect(try await store.loadSnapshot().nodes.first?.lastHeartbeat == now.addingTimeInterval(5))
    }

    @Test(arguments: Kind.allCases)
    func settingsAreSavedReplacedAndRemoved(_ kind: Kind) async throws {
        let (store, _) = try Self.make(kind)
        try await store.saveSetting("breakers", Data("one".utf8))
        try await store.saveSetting("breakers", Data("two".utf8))
        try await store.saveSetting("autoscaler", Data("x".utf8))
        #expect(try await store.loadSnapshot().settings == ["breakers": Data("two".utf8), "autoscaler": Data("x".utf8)])
        try await store.saveSetting("autoscaler", nil)
        #expect(try await store.loadSnapshot().settings == ["breakers": Data("two".utf8)])
    }

    @Test func sqliteKeepsEverythingAcrossReopen() async throws {
        let (store, directory) = try Self.make(.sqlite)
        try await store.savePool(Pool(name: "demo", provider: "local", gpuType: "h100", gpusPerNode: 8, desiredNodes: 2, createdAt: now))
        _ = try await store.appendEvent(FleetEvent(time: now, kind: "pool.created", pool: "demo", message: "made"))
        try await store.saveSetting("breakers", Data("open".utf8))
        let reopened = try SQLiteStore(path: directory + "/navarch.db")
        let snapshot = try await reopened.loadSnapshot()
        #expect(snapshot.pools.map(\.name) == ["demo"])
        #expect(snapshot.lastEventSequence == 1)
        #expect(snapshot.settings["breakers"] == Data("open".utf8))
        let next = try await reopened.appendEvent(FleetEvent(time: now, kind: "x", message: "after reopen"))
        #expect(next.sequence == 2)
    }

    @Test func sqliteUsesWriteAheadLogging() async throws {
        let (store, directory) = try Self.make(.sqlite)
        _ = try await store.appendEvent(FleetEvent(time: now, kind: "x", message: "y"))
        #expect(FileManager.default.fileExists(atPath: directory + "/navarch.db-wal"))
    }

    @Test func unopenableDatabaseSaysWhere() throws {
        #expect {
            _ = try SQLiteStore(path: "/proc/navarch-cannot-be-here/navarch.db")
        } throws: { error in
            "\(error)".contains("/proc/navarch-cannot-be-here")
        }
    }
}
