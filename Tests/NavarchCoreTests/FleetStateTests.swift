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
                let states: [InstanceState] = [.requested, .requested, .booting, .running, .running, .running, .terminating, .terminated]
                state.upsert(Instance(
                    id: "i-\(n)", pool: pool, provider: ["aws", "gcp"].randomElement(using: &random)!, state: states.randomElement(using: &random)!,
                    nodeID: "n-\(n)", instanceType: "h100", createdAt: start,
                    failureReason: Int.random(in: 0..<5, using: &random) == 0 ? "boot failed" : "",
                    replacesInstanceID: Int.random(in: 0..<3, using: &random) == 0 ? "i-\(Int.random(in: 0..<60, using: &random))" : "",
                    condemned: Int.random(in: 0..<4, using: &random) == 0))
            case 1:
                var node = Node(id: "n-\(n)", pool: pool, instanceID: "i-\(n)", provider: ["aws", "gcp"].randomElement(using: &random)!, registeredAt: start)
                node.labels["topology.zone"] = ["z1", "z2", ""].randomElement(using: &random)!
                node.state = [NodeState.active, .cordoned, .repairing, .terminated].randomElement(using: &random)!
                node.health = [HealthStatus.healthy, .healthy, .degraded, .unhealthy].randomElement(using: &random)!
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
        for pool in pools {
            let unfinished = state.instances.values.filter { $0.pool == pool && $0.state != .terminated }.sorted { $0.id < $1.id }
            func place(_ instance: Instance) -> PoolMembership.Place {
                let node = state.nodes[instance.nodeID]
                return PoolMembership.place(of: instance, nodeHealth: node?.instanceID == instance.id ? node?.health : nil)
            }
            let membership = state.membership
            #expect(membership.unsteadyIDs(of: pool) == unfinished.filter { place($0) == .unsteady }.map(\.id))
            #expect(membership.waitingIDs(of: pool) == unfinished.filter { place($0) == .waiting }.map(\.id))
            #expect(membership.readyCount(of: pool) == unfinished.count { place($0) == .ready })
            #expect(membership.notReadyCount(of: pool) == unfinished.count { place($0) == .notReady })
            var targets: [String: Int] = [:]
            for instance in unfinished where place(instance) != .unsteady && !instance.replacesInstanceID.isEmpty { targets[instance.replacesInstanceID, default: 0] += 1 }
            #expect(membership.countedTargets(of: pool) == targets)
            var live: [String: Int] = [:]
            for instance in unfinished where instance.state.isLive { live[instance.provider, default: 0] += 1 }
            #expect(membership.liveByProvider(of: pool) == live)
        }
        let liveNodes = state.nodes.values.filter { $0.state != .terminated && (state.instances[$0.instanceID]?.state.isLive ?? true) }
        for group in ["provider aws", "provider gcp", "zone z1", "zone z2"] {
            #expect(state.liveNodes(inGroup: group) == Set(liveNodes.filter { FleetState.groups(of: $0).contains(group) }.map(\.id)), "\(group)")
        }
        #expect(state.liveNodes(inGroup: "zone ").isEmpty)
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
