import Foundation
import NavarchCore
import Testing

@Suite struct RemediationPlannerTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let planner = RemediationPlanner(silenceGrace: .seconds(15), maxConcurrent: 2, repairTimeout: .seconds(900), answeringWithin: .seconds(10))
    let reset = RemediationStep(action: .resetGPU, reason: "XID 48: reset 1 of 2")
    let replace = RemediationStep(action: .replace, reason: "resets used up")

    func cause(silent: Bool = false, graceOver: Bool = false) -> NodeRemediation.Cause {
        var cause = NodeRemediation.Cause(requested: .resetGPU, reason: "XID 48", gpuIndex: 0, silent: silent)
        cause.graceOver = graceOver
        return cause
    }

    @Test func aRepairGoesAheadWithinThePoolsLimit() {
        #expect(planner.decide(reset, cause: cause(), pool: "p", waiting: nil, underWay: 1, openBreaker: nil, now: now) == .repair(reset))
        #expect(planner.decide(reset, cause: cause(), pool: "p", waiting: nil, underWay: 2, openBreaker: nil, now: now)
            == .wait(.concurrency, until: now.addingTimeInterval(60), message: "2 node(s) of pool p are in remediation already; reset_gpu waits its turn"))
    }

    /// A silent node is never reset: its replacement waits one detection window, then goes.
    @Test func aSilentNodeIsReplacedAfterItsGrace() {
        let first = planner.decide(reset, cause: cause(silent: true), pool: "p", waiting: nil, underWay: 0, openBreaker: nil, now: now)
        guard case .wait(.silenceGrace, let until, _) = first else {
            Issue.record("expected a grace wait, got \(first)")
            return
        }
        #expect(until == now.addingTimeInterval(15))
        let after = planner.decide(reset, cause: cause(silent: true, graceOver: true), pool: "p", waiting: .silenceGrace, underWay: 0, openBreaker: nil, now: until)
        #expect(after == .replace(RemediationStep(action: .replace, reason: "the node is silent: XID 48: reset 1 of 2")))
        let noGrace = RemediationPlanner(silenceGrace: .zero, maxConcurrent: 2, repairTimeout: .seconds(900), answeringWithin: .seconds(10))
        #expect(noGrace.decide(replace, cause: cause(silent: true), pool: "p", waiting: nil, underWay: 0, openBreaker: nil, now: now) == .replace(replace))
    }

    @Test func anOpenBreakerHoldsReplacementsOnce() {
        let breaker = (scope: "pool p", reason: "3 of 5 unhealthy")
        let held = planner.decide(replace, cause: cause(), pool: "p", waiting: nil, underWay: 0, openBreaker: breaker, now: now)
        #expect(held == .wait(.breaker, until: .distantFuture, message: "replacement held: circuit breaker of pool p is open (3 of 5 unhealthy); the node stays cordoned"))
        #expect(planner.decide(replace, cause: cause(), pool: "p", waiting: .breaker, underWay: 0, openBreaker: breaker, now: now) == .nothing,
                "already held: no second event")
        #expect(planner.decide(reset, cause: cause(), pool: "p", waiting: nil, underWay: 0, openBreaker: breaker, now: now) == .repair(reset),
                "a repair terminates nothing, so the breaker lets it go")
    }

    @Test func aDueTimerResumesCancelsOrTimesOut() {
        let waiting = NodeRemediation(waiting: .init(cause: cause(silent: true), reason: .silenceGrace, since: now, notBefore: now.addingTimeInterval(15)))
        let due = now.addingTimeInterval(15)
        #expect(planner.resume(waiting, lastHeartbeat: now, now: due.addingTimeInterval(-1)) == .nothing, "not yet")
        #expect(planner.resume(waiting, lastHeartbeat: due.addingTimeInterval(-2), now: due)
            == .cancel("the node answers again; replacement not requested, it stays cordoned"))
        #expect(planner.resume(waiting, lastHeartbeat: now.addingTimeInterval(-30), now: due) == .retry(cause(silent: true, graceOver: true)))
        let repair = NodeRemediation(repair: .init(action: .reboot, gpuIndex: nil, commandID: "c", startedAt: now, cause: cause()))
        #expect(planner.resume(repair, lastHeartbeat: now, now: now.addingTimeInterval(899)) == .nothing)
        #expect(planner.resume(repair, lastHeartbeat: now, now: now.addingTimeInterval(900)) == .repairTimedOut("reboot not validated within 900 s"))
    }

    /// A verdict stored but not acted on (the control plane died between the two) is acted on
    /// when it is reported again; a node already being handled is not.
    @Test func anUnhealthyNodeLeftAsItWasIsUnattended() {
        var node = Node(id: "n", pool: "p", instanceID: "i", provider: "fake", state: .cordoned, health: .unhealthy, registeredAt: now)
        let instance = Instance(id: "i", pool: "p", provider: "fake", state: .running, nodeID: "n", instanceType: "h100", createdAt: now)
        #expect(RemediationPlanner.isUnattended(node, instance: instance))
        var condemned = instance
        condemned.condemned = true
        #expect(!RemediationPlanner.isUnattended(node, instance: condemned))
        node.remediation = NodeRemediation(waiting: .init(cause: cause(), reason: .breaker, since: now, notBefore: .distantFuture))
        #expect(!RemediationPlanner.isUnattended(node, instance: instance))
        node.remediation = nil
        node.state = .repairing
        #expect(!RemediationPlanner.isUnattended(node, instance: instance))
        node.state = .active
        node.health = .healthy
        #expect(!RemediationPlanner.isUnattended(node, instance: instance))
    }
}
