import Foundation
import NavarchCore
import Testing

@Suite struct FleetStateTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// Over seeded random changes, every index answers what a scan of the whole fleet answers.
    @Test func indexesAgreeWithScansOfTheFleet() {
        var random = SeededRandom(seed: 3)
        var state = FleetState(settings: .init(repairTimeout: .seconds(100)))
        let pools = ["a", "b", "c"]
        let cause = NodeRemediation.Cause(requested: .resetGPU, reason: "xid")
        for step in 0..<5_000 {
            let n = Int.random(in: 0..<60, using: &random)
            let pool = pools[n % 3]
            let now = start.addingTimeInterval(Double(step))
            switch Int.random(in: 0..<4, using: &random) {
            case 0:
                let states: [InstanceState] = [.requested, .booting, .running, .terminating, .terminated]
                state.upsert(Instance(
                    id: "i-\(n)", pool: pool, provider: "fake", state: states.randomElement(using: &random)!, nodeID: "n-\(n)",
                    instanceType: "h100", createdAt: start, condemned: Bool.random(using: &random)))
            case 1:
                var node = Node(id: "n-\(n)", pool: pool, instanceID: "i-\(n)", provider: "fake", registeredAt: start)
                node.state = [NodeState.active, .cordoned, .repairing, .terminated].randomElement(using: &random)!
                if Bool.random(using: &random) {
                    node.remediation = NodeRemediation(repair: .init(action: .resetGPU, gpuIndex: 0, commandID: "c", startedAt: now, cause: cause))
                } else if Bool.random(using: &random) {
                    node.remediation = NodeRemediation(waiting: .init(cause: cause, reason: .concurrency, since: now, notBefore: now.addingTimeInterval(5)))
                }
                state.upsert(node)
            case 2:
                state.restore(node: "n-\(n)", to: nil)
            default:
                state.restore(instance: "i-\(n)", to: nil)
            }
        }
        for pool in pools {
            let unfinished = state.instances.values.filter { $0.pool == pool && $0.state != .terminated }.map(\.id).sorted()
            #expect(state.unfinishedInstances(of: pool).map(\.id) == unfinished)
            let live = state.nodes.values.filter { $0.pool == pool && $0.state != .terminated }
            #expect(state.liveNodeCount(of: pool) == live.count)
            let remediating = live.filter { node in
                node.remediation?.repair != nil || (state.instances[node.instanceID].map { $0.condemned && $0.state.isLive } ?? false)
            }
            for node in live {
                #expect(state.remediationsUnderWay(pool: pool, excluding: node.id) == remediating.filter { $0.id != node.id }.count)
            }
        }
        #expect(state.liveNodeCount == state.nodes.values.filter { $0.state != .terminated }.count)
    }

    @Test func remediationTimersFollowTheNodes() {
        var state = FleetState(settings: .init(repairTimeout: .seconds(100)))
        let cause = NodeRemediation.Cause(requested: .resetGPU, reason: "xid")
        var node = Node(id: "n-2", pool: "p", instanceID: "i", provider: "fake", registeredAt: start)
        node.remediation = NodeRemediation(repair: .init(action: .resetGPU, gpuIndex: 0, commandID: "c", startedAt: start, cause: cause))
        let moved = state.upsert(node)
        #expect(moved, "a new timer")
        var waiting = Node(id: "n-10", pool: "p", instanceID: "j", provider: "fake", registeredAt: start)
        waiting.remediation = NodeRemediation(waiting: .init(cause: cause, reason: .silenceGrace, since: start, notBefore: start.addingTimeInterval(100)))
        state.upsert(waiting)
        let next = state.nextDeadline()
        #expect(next == start.addingTimeInterval(100))
        let early = state.popDueRemediations(at: start.addingTimeInterval(99))
        #expect(early.isEmpty)
        let due = state.popDueRemediations(at: start.addingTimeInterval(100))
        #expect(due == ["n-2", "n-10"], "natural node order")
        var held = waiting
        held.remediation?.waiting?.notBefore = .distantFuture
        state.upsert(held)
        #expect(state.remediationDeadline(of: "n-10") == nil, "a breaker's hold waits for an operator, not a time")
    }
}
