import Foundation
import NavarchCore
import NavarchTesting
import Testing

@Suite struct PoolReconcilerTests {
    let clock = ManualClock()
    let reconciler = PoolReconciler(registrationTimeout: 60, replacementTimeout: 600, retryBackoff: 5)

    func pool(desired: Int, deleting: Bool = false) -> Pool {
        Pool(name: "demo", provider: "fake", gpuType: "h100", gpusPerNode: 8, desiredNodes: desired, createdAt: clock.now, deleting: deleting)
    }

    func instance(_ id: String, _ state: InstanceState, condemned: Bool = false, replaces: String = "") -> Instance {
        Instance(
            id: id, pool: "demo", provider: "fake", state: state, nodeID: "node-\(id)", instanceType: "h100", createdAt: clock.now,
            replacesInstanceID: replaces, condemned: condemned, condemnedReason: condemned ? "XID 79" : "",
            condemnedAt: condemned ? clock.now : nil)
    }

    @Test func emptyPoolProvisionsDesiredNodes() {
        let actions = reconciler.plan(pool: pool(desired: 2), instances: [], nodeHealth: [:], now: clock.now)
        #expect(actions == [.provision(pool: "demo", replacing: nil), .provision(pool: "demo", replacing: nil)])
    }

    @Test func convergedPoolDoesNothing() {
        let instances = [instance("a", .running), instance("b", .running)]
        let actions = reconciler.plan(pool: pool(desired: 2), instances: instances, nodeHealth: ["node-a": .healthy, "node-b": .healthy], now: clock.now)
        #expect(actions.isEmpty)
    }

    @Test func condemnedInstanceIsReplacedBeforeItIsTerminated() {
        var instances = [instance("a", .running, condemned: true), instance("b", .running)]
        var health: [String: HealthStatus] = ["node-a": .unhealthy, "node-b": .healthy]
        let first = reconciler.plan(pool: pool(desired: 2), instances: instances, nodeHealth: health, now: clock.now)
        #expect(first == [.provision(pool: "demo", replacing: "a")], "surge first: no terminate yet")

        instances.append(instance("c", .booting, replaces: "a"))
        #expect(reconciler.plan(pool: pool(desired: 2), instances: instances, nodeHealth: health, now: clock.now).isEmpty)

        instances[2].state = .running
        health["node-c"] = .healthy
        let last = reconciler.plan(pool: pool(desired: 2), instances: instances, nodeHealth: health, now: clock.now)
        #expect(last == [.terminate(instanceID: "a", reason: "replaced: XID 79")])
    }

    @Test func condemnedInstanceIsTerminatedAfterReplacementTimeout() {
        let instances = [instance("a", .running, condemned: true), instance("c", .registered, replaces: "a")]
        clock.advance(by: .seconds(599))
        #expect(reconciler.plan(pool: pool(desired: 1), instances: instances, nodeHealth: [:], now: clock.now).isEmpty)
        clock.advance(by: .seconds(1))
        #expect(reconciler.plan(pool: pool(desired: 1), instances: instances, nodeHealth: [:], now: clock.now)
            == [.terminate(instanceID: "a", reason: "replaced: XID 79")])
    }

    @Test func instanceThatNeverRegistersFails() {
        let instances = [instance("a", .booting)]
        clock.advance(by: .seconds(60))
        let actions = reconciler.plan(pool: pool(desired: 1), instances: instances, nodeHealth: [:], now: clock.now)
        #expect(actions.contains(.fail(instanceID: "a", reason: "did not register within 60 s")))
    }

    @Test func failedInstanceIsTerminatedAndRetriedAfterBackoff() {
        var failed = instance("a", .failed)
        failed.failureReason = "capacity"
        failed.updatedAt = clock.now
        let now = reconciler.plan(pool: pool(desired: 1), instances: [failed], nodeHealth: [:], now: clock.now)
        #expect(now == [.terminate(instanceID: "a", reason: "failed: capacity")], "no provision inside the backoff")
        clock.advance(by: .seconds(5))
        let later = reconciler.plan(pool: pool(desired: 1), instances: [failed], nodeHealth: [:], now: clock.now)
        #expect(later.contains(.provision(pool: "demo", replacing: nil)))
    }

    @Test func scaleDownTerminatesNotYetReadyFirst() {
        let instances = [instance("a", .running), instance("b", .running), instance("c", .booting)]
        let actions = reconciler.plan(pool: pool(desired: 2), instances: instances, nodeHealth: [:], now: clock.now)
        #expect(actions == [.terminate(instanceID: "c", reason: "pool demo scaled down to 2")])
    }

    @Test func deletingPoolTerminatesAllThenForgets() {
        let instances = [instance("a", .running), instance("b", .terminating), instance("c", .terminated)]
        let actions = reconciler.plan(pool: pool(desired: 2, deleting: true), instances: instances, nodeHealth: [:], now: clock.now)
        #expect(actions == [.terminate(instanceID: "a", reason: "pool demo is being deleted")])
        let done = [instance("a", .terminated), instance("b", .terminated)]
        #expect(reconciler.plan(pool: pool(desired: 2, deleting: true), instances: done, nodeHealth: [:], now: clock.now) == [.forgetPool("demo")])
    }

    /// Over seeded random pools that do not shrink, a plan given only the unsteady instances and
    /// the counts of the others decides what a plan given every instance decides.
    @Test func countedInstancesPlanAsIfGiven() {
        var random = SeededRandom(seed: 11)
        let states: [InstanceState] = [.requested, .requested, .provisioning, .booting, .running, .running, .running, .terminating, .failed]
        var compared = 0
        for round in 0..<2_000 {
            let now = self.clock.now.addingTimeInterval(Double(round % 7) * 30)
            var instances: [Instance] = []
            var health: [String: HealthStatus] = [:]
            for n in 0..<Int.random(in: 0..<12, using: &random) {
                var instance = self.instance(
                    "i\(n)", states.randomElement(using: &random)!, condemned: Int.random(in: 0..<5, using: &random) == 0,
                    replaces: Int.random(in: 0..<4, using: &random) == 0 ? "i\(Int.random(in: 0..<12, using: &random))" : "")
                if Int.random(in: 0..<6, using: &random) == 0 { instance.failureReason = "boot failed" }
                instances.append(instance)
                health[instance.nodeID] = [HealthStatus.healthy, .healthy, .healthy, .degraded, .unhealthy].randomElement(using: &random)!
            }
            let counted = instances.filter { PoolMembership.place(of: $0, nodeHealth: health[$0.nodeID]) != .unsteady }
            let given = instances.filter { PoolMembership.place(of: $0, nodeHealth: health[$0.nodeID]) == .unsteady }
            var replacing: [String: Int] = [:]
            for instance in counted where !instance.replacesInstanceID.isEmpty { replacing[instance.replacesInstanceID, default: 0] += 1 }
            let tally = PoolReconciler.Counted(
                ready: counted.count { PoolMembership.place(of: $0, nodeHealth: health[$0.nodeID]) == .ready },
                notReady: counted.count { PoolMembership.place(of: $0, nodeHealth: health[$0.nodeID]) == .notReady },
                waiting: counted.count { $0.state == .requested }, replacing: replacing)
            let serving = instances.count { $0.state.isLive && !$0.condemned }
            let pool = self.pool(desired: Int.random(in: serving...(serving + 3), using: &random))
            let allowance = ProvisioningGuard.Allowance(maxUnregistered: Bool.random(using: &random) ? 3 : nil)
            #expect(
                reconciler.plan(pool: pool, instances: given, nodeHealth: health, now: now, allowance: allowance, counted: tally)
                    == reconciler.plan(pool: pool, instances: instances, nodeHealth: health, now: now, allowance: allowance),
                "round \(round)")
            #expect(
                reconciler.nextDeadline(pool: pool, instances: given, now: now, allowance: allowance, counted: tally)
                    == reconciler.nextDeadline(pool: pool, instances: instances, now: now, allowance: allowance),
                "round \(round)")
            if !counted.isEmpty { compared += 1 }
        }
        #expect(compared > 1_000, "most rounds leave instances out")
    }
}

@Suite struct PoolReconcilerAllowanceTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let reconciler = PoolReconciler(registrationTimeout: 60, replacementTimeout: 600, retryBackoff: 5)

    func pool(desired: Int) -> Pool {
        Pool(name: "demo", provider: "fake", gpuType: "h100", gpusPerNode: 8, desiredNodes: desired, createdAt: now)
    }

    func booting(_ id: String) -> Instance {
        Instance(id: id, pool: "demo", provider: "fake", state: .booting, nodeID: "node-\(id)", instanceType: "h100", createdAt: now)
    }

    @Test func anOpenProvisioningBreakerBuysNothing() {
        let actions = reconciler.plan(pool: pool(desired: 3), instances: [], nodeHealth: [:], now: now, allowance: .init(stopped: true))
        #expect(actions.isEmpty)
    }

    @Test func aBackoffWaitsUntilItEnds() {
        let allowance = ProvisioningGuard.Allowance(notBefore: now.addingTimeInterval(40))
        #expect(reconciler.plan(pool: pool(desired: 1), instances: [], nodeHealth: [:], now: now.addingTimeInterval(39), allowance: allowance).isEmpty)
        #expect(reconciler.plan(pool: pool(desired: 1), instances: [], nodeHealth: [:], now: now.addingTimeInterval(40), allowance: allowance)
            == [.provision(pool: "demo", replacing: nil)])
    }

    @Test func machinesComingUpCountAgainstTheLimit() {
        let allowance = ProvisioningGuard.Allowance(maxUnregistered: 2)
        let actions = reconciler.plan(pool: pool(desired: 5), instances: [booting("a")], nodeHealth: [:], now: now, allowance: allowance)
        #expect(actions == [.provision(pool: "demo", replacing: nil)], "one coming up, one more allowed")
    }
}

@Suite struct PoolReconcilerDeadlineTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let reconciler = PoolReconciler(registrationTimeout: 60, replacementTimeout: 600, retryBackoff: 5)

    func pool(desired: Int) -> Pool {
        Pool(name: "demo", provider: "fake", gpuType: "h100", gpusPerNode: 8, desiredNodes: desired, createdAt: now)
    }

    /// The reconciler is asked again exactly when its answer would change, and not before.
    @Test func theNextDeadlineIsWhenThePlanChanges() {
        let booting = Instance(id: "a", pool: "demo", provider: "fake", state: .booting, nodeID: "n-a", instanceType: "h100", createdAt: now)
        let condemned = Instance(
            id: "b", pool: "demo", provider: "fake", state: .running, nodeID: "n-b", instanceType: "h100", createdAt: now,
            condemned: true, condemnedReason: "XID 79", condemnedAt: now.addingTimeInterval(10))
        let instances = [booting, condemned]
        let deadline = reconciler.nextDeadline(pool: pool(desired: 2), instances: instances, now: now)
        #expect(deadline == now.addingTimeInterval(60))
        #expect(!reconciler.plan(pool: pool(desired: 2), instances: instances, nodeHealth: [:], now: now.addingTimeInterval(59)).contains { if case .fail = $0 { true } else { false } })
        #expect(reconciler.plan(pool: pool(desired: 2), instances: instances, nodeHealth: [:], now: now.addingTimeInterval(60)).contains(.fail(instanceID: "a", reason: "did not register within 60 s")))
        #expect(reconciler.nextDeadline(pool: pool(desired: 2), instances: [condemned], now: now.addingTimeInterval(61)) == now.addingTimeInterval(610))
    }

    @Test func aBackoffAndAnOpenBreakerSetNoDeadlineButTheEndOfTheWait() {
        let allowance = ProvisioningGuard.Allowance(notBefore: now.addingTimeInterval(30))
        #expect(reconciler.nextDeadline(pool: pool(desired: 1), instances: [], now: now, allowance: allowance) == now.addingTimeInterval(30))
        #expect(reconciler.nextDeadline(pool: pool(desired: 1), instances: [], now: now, allowance: .init(stopped: true)) == nil,
                "an open breaker waits for an operator, not for a time")
        #expect(reconciler.nextDeadline(pool: pool(desired: 0), instances: [], now: now, allowance: allowance) == nil, "nothing is missing")
    }

}
