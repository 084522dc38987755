import Foundation
import GRPCCore
import NavarchClient
import NavarchControlPlane
import NavarchCore
import NavarchProto
import NavarchProviders
import NavarchStore
import NavarchTesting
import Synchronization
import Testing

/// A store that takes `limit` more writes and refuses every later one, as the disk of a
/// control plane killed at that point would: what it holds then is what a restart finds.
final class CrashingStore: Store {
    struct Crashed: Error, CustomStringConvertible { var description: String { "the control plane was killed here" } }

    let inner: InMemoryStore
    private let budget = Mutex<(writes: Int, limit: Int, refused: Bool)>((0, .max, false))

    init(inner: InMemoryStore) { self.inner = inner }

    /// Writes so far.
    var writes: Int { budget.withLock { $0.writes } }
    var crashed: Bool { budget.withLock { $0.refused } }

    /// Allows `more` writes from now on, then refuses.
    func crash(after more: Int) { budget.withLock { $0.limit = $0.writes + more } }

    private func write() throws {
        try budget.withLock { budget in
            guard budget.writes < budget.limit else {
                budget.refused = true
                throw Crashed()
            }
            budget.writes += 1
        }
    }

    func loadSnapshot() async throws -> FleetSnapshot { try await inner.loadSnapshot() }
    /// One transaction is one write: it is stored whole or not at all.
    func commit(_ records: [StoreRecord]) async throws { try write(); try await inner.commit(records) }
    func appendEvent(_ event: FleetEvent) async throws -> FleetEvent { try write(); return try await inner.appendEvent(event) }
    func events(after sequence: Int64, limit: Int, nodeID: String?, pool: String?) async throws -> [FleetEvent] {
        try await inner.events(after: sequence, limit: limit, nodeID: nodeID, pool: pool)
    }
    func pendingCommands(for nodeID: String) async throws -> [NodeCommand] { try await inner.pendingCommands(for: nodeID) }
}

/// A replacement interrupted at every write it makes: the control plane is killed there (its
/// store refuses everything after), a new one starts on what was stored, the agents retry what
/// failed, and the fleet ends the same: two healthy nodes, the bad machine terminated, one
/// replacement bought and no second.
@Suite struct CrashConsistencyTests {
    static let badReport = RemediationLadderEndToEndTests.report(
        "demo-0", RemediationLadderEndToEndTests.observation(xid: 54, gpu: 0, action: "replace", rule: "xid-hardware"))

    @Test func aReplacementKilledAtAnyWriteRecoversToTheSameFleet() async throws {
        // How many writes the whole replacement takes, uninterrupted.
        let total = try await replacement(crashAfter: nil)
        #expect(total > 5, "the replacement writes \(total) records")
        print("figure: a replacement writes \(total) records; killed after each of them, the fleet recovered")
        for crashAfter in 0..<total {
            _ = try await replacement(crashAfter: crashAfter)
        }
    }

    /// Runs the replacement, killing the control plane after `crashAfter` of its writes (never,
    /// when nil), then finishes it on a restarted one. Returns the writes the first one made.
    func replacement(crashAfter: Int?) async throws -> Int {
        let inner = InMemoryStore()
        let store = CrashingStore(inner: inner)
        let provider = FakeProvider()
        let clock = ManualClock()
        var configuration = testConfiguration()
        configuration.heartbeatInterval = .seconds(3600)
        let registered = Recorder<String>()
        let first = ControlPlane(configuration: configuration, store: store).with(provider: provider).with(clock: clock)
        let scenarioWrites = try await withControlPlane(first) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                try await withNodeClient(endpoints) { agent in
                    _ = try await client.createPool(name: "demo", gpuType: "h100", gpus: 16)
                    try await eventually("two machines bought") { provider.requestsSoFar.count == 2 }
                    for request in provider.requestsSoFar {
                        _ = try await agent.register(registration(node: request.nodeID, instance: request.instanceID))
                        registered.append(request.instanceID)
                    }
                    try await eventually("two nodes run") { try await client.instances(pool: "demo").filter { $0.state == .running }.count == 2 }
                    let before = store.writes
                    if let crashAfter { store.crash(after: crashAfter) }
                    _ = try? await agent.reportHealth(Self.badReport)
                    // The replacement machine boots and registers, unless the control plane died first.
                    try await eventually("a replacement is bought, or the control plane is killed") {
                        provider.requestsSoFar.count == 3 || store.crashed
                    }
                    for request in provider.requestsSoFar where !registered.values.contains(request.instanceID) {
                        // An agent whose registration failed tries again (against the restarted one).
                        if (try? await agent.register(registration(node: request.nodeID, instance: request.instanceID))) != nil {
                            registered.append(request.instanceID)
                        }
                    }
                    try await eventually("the replacement is done, or the control plane is killed") {
                        if store.crashed { return true }
                        guard provider.terminated.count == 1 else { return false }
                        return try await client.instances(pool: "demo").filter { $0.state == .terminated }.count == 1
                    }
                    return store.writes - before
                }
            }
        }

        // A new control plane on what was stored; the agents retry what was not acknowledged.
        let restarted = ControlPlane(configuration: configuration, store: inner).with(provider: provider).with(clock: clock)
        try await withControlPlane(restarted) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                try await withNodeClient(endpoints) { agent in
                    if try await client.node("demo-0").state != .terminated { _ = try await agent.reportHealth(Self.badReport) }
                    for request in provider.requestsSoFar where !registered.values.contains(request.instanceID) {
                        _ = try await agent.register(registration(node: request.nodeID, instance: request.instanceID))
                        registered.append(request.instanceID)
                    }
                    try await eventually("crash after \(crashAfter.map(String.init) ?? "none"): two healthy nodes, the bad one gone", timeout: .seconds(20)) {
                        for request in provider.requestsSoFar where !registered.values.contains(request.instanceID) {
                            _ = try await agent.register(registration(node: request.nodeID, instance: request.instanceID))
                            registered.append(request.instanceID)
                        }
                        let instances = try await client.instances(pool: "demo")
                        let running = instances.filter { $0.state == .running }
                        let nodes = try await client.nodes(pool: "demo")
                        return running.count == 2 && instances.filter { $0.state == .terminated }.count == 1
                            && running.allSatisfy { instance in nodes.first { $0.id == instance.nodeID }?.health == .healthy }
                    }
                    let bought = Set(provider.requestsSoFar.map(\.instanceID))
                    #expect(bought.count == 3, "crash after \(crashAfter.map(String.init) ?? "none"): \(bought.count) machines bought, one replacement expected")
                    #expect(try await client.node("demo-0").state == .terminated)
                    #expect(provider.running.count == 2)
                }
            }
        }
        return scenarioWrites
    }
}
