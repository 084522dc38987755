import Foundation
import NavarchCore
import NavarchTesting
import Testing

/// The fleet brain without I/O, on its own clock: sequences of inputs with the records and
/// effects each one produced.
@Suite struct FleetBrainTests {
    func report(_ driver: inout BrainDriver, _ nodeID: String, xid: Int = 48, action: HealthAction = .resetGPU) throws {
        let observation = BrainDriver.xid(xid, gpu: 0, action: action, at: driver.now)
        try driver.input { try $0.reportHealth(nodeID: nodeID, health: .unhealthy, reason: "XID \(xid)", observations: [observation], gpus: []) }
    }

    @Test func aGPUResetGoesCordonDrainResetValidateUncordon() throws {
        var fleet = BrainDriver()
        let nodes = try fleet.runningPool("p", nodes: 2)
        #expect(nodes == ["p-0", "p-1"])
        #expect(fleet.brain.listInstances(pool: "p").map(\.state) == [.running, .running])

        try report(&fleet, "p-0")
        #expect(fleet.lastEvents == ["node.observation", "node.health_changed", "node.cordoned", "remediation.reset_gpu", "node.draining"])
        #expect(fleet.lastCommands == [.cordon, .drain])
        #expect(try fleet.agentAcknowledges("p-0"))  // cordon
        #expect(fleet.lastEvents == ["command.done"])
        #expect(try fleet.agentAcknowledges("p-0"))  // drain
        #expect(fleet.lastEvents == ["command.done", "node.drained", "node.repairing"])
        #expect(fleet.lastCommands == [.resetGPU])
        let reset = try #require(fleet.brain.pendingCommands(for: "p-0").first)
        #expect(reset.parameters["gpu"] == "0")
        #expect(try fleet.agentAcknowledges("p-0"))  // reset
        #expect(fleet.lastEvents.contains("remediation.validated"))
        #expect(fleet.lastCommands == [.uncordon])
        #expect(try fleet.agentAcknowledges("p-0"))  // uncordon
        #expect(try !fleet.agentAcknowledges("p-0"))

        let node = try fleet.brain.node("p-0")
        #expect(node.state == .active && node.health == .healthy && node.cordonReason.isEmpty)
        #expect(node.remediation?.history.map(\.action) == [.resetGPU])
        #expect(try fleet.input({ $0.reconcile() }).isEmpty, "a repaired node buys nothing")
    }

    @Test func aRefusedStoreLeavesTheBrainAsItWas() throws {
        var fleet = BrainDriver()
        try fleet.runningPool("p", nodes: 1)
        let before = (fleet.brain.listNodes(pool: nil), fleet.brain.listInstances(pool: nil), fleet.brain.pendingCommands(for: "p-0"))
        let mark = fleet.brain.begin(at: fleet.now)
        try report(&fleet.brain, "p-0")
        let refused = fleet.brain.end()
        #expect(!refused.records.isEmpty)
        fleet.brain.rollback(to: mark)
        #expect(fleet.brain.listNodes(pool: nil) == before.0)
        #expect(fleet.brain.listInstances(pool: nil) == before.1)
        #expect(fleet.brain.pendingCommands(for: "p-0") == before.2)
        // The same input again gives the same records: the event numbers and ids were given back.
        try report(&fleet, "p-0")
        #expect(fleet.transitions.last?.records == refused.records)
    }

    func report(_ brain: inout FleetBrain, _ nodeID: String) throws {
        let observation = BrainDriver.xid(48, gpu: 0, action: .resetGPU, at: brain.now)
        try brain.reportHealth(nodeID: nodeID, health: .unhealthy, reason: "XID 48", observations: [observation], gpus: [])
    }

    /// A GPU-reset repair with the control plane killed at each of its commits, before or after
    /// the commit is stored: a restarted brain on what was stored, with the agent retrying what
    /// got no answer, ends with the same fleet and buys nothing.
    @Test(arguments: [BrainDriver.Crash.beforeCommit, .afterCommit])
    func aGPUResetKilledAtAnyCommitRecoversToTheSameFleet(_ how: BrainDriver.Crash) throws {
        let uninterrupted = try gpuReset(killedAt: nil, how: how)
        #expect(uninterrupted.commits >= 5)
        for commit in 0..<uninterrupted.commits {
            let recovered = try gpuReset(killedAt: commit, how: how)
            #expect(recovered.restarts == 1, "killed at commit \(commit)")
            #expect(recovered.fleet == uninterrupted.fleet, "killed at commit \(commit)")
        }
    }

    struct Outcome: Equatable {
        var state: NodeState
        var health: HealthStatus
        var rungs: [HealthAction]
        var resets: Int
        var pending: Int
        var instances: Int
        var purchases: Int
    }

    func gpuReset(killedAt: Int?, how: BrainDriver.Crash) throws -> (fleet: Outcome, commits: Int, restarts: Int) {
        var fleet = BrainDriver()
        try fleet.runningPool("p", nodes: 2)
        let start = fleet.store.commits
        fleet.crash = killedAt.map { ($0, how) }
        var reported = false, restarts = 0, purchases = 0
        while true {
            do {
                if !reported {
                    try report(&fleet, "p-0")
                    reported = true
                } else if try !fleet.agentAcknowledges("p-0") {
                    break
                }
            } catch is BrainDriver.Killed {
                try fleet.restart()
                restarts += 1
                // An answer lost after its commit: what the agent retries may be done already.
                if how == .afterCommit && !reported && fleet.brain.state.nodes["p-0"]?.health == .unhealthy { reported = true }
            }
            for operation in try fleet.input({ $0.reconcile() }) {
                if case .provision = operation { purchases += 1 }
            }
        }
        let node = try fleet.brain.node("p-0")
        let outcome = Outcome(
            state: node.state, health: node.health, rungs: node.remediation?.history.map(\.action) ?? [],
            resets: fleet.store.commands.values.filter { $0.kind == .resetGPU }.count, pending: fleet.brain.pendingCommands(for: "p-0").count,
            instances: fleet.brain.listInstances(pool: "p").count, purchases: purchases)
        return (outcome, fleet.store.commits - start, restarts)
    }

    @Test func anOpenPoolBreakerHoldsReplacementsAndResetLetsThemGo() throws {
        var policy = FleetPolicy()
        policy.circuitBreaker = .init(unhealthyShare: 0.2, window: .seconds(600), minimumNodes: 5)
        var fleet = BrainDriver(policy: policy, remediator: CordonAndReplace())
        try fleet.runningPool("p", nodes: 5)
        try report(&fleet, "p-0", action: .replace)
        #expect(fleet.lastEvents.contains("remediation.replace"))
        try report(&fleet, "p-1", action: .replace)
        #expect(fleet.lastEvents.contains("breaker.opened"))
        #expect(fleet.lastEvents.contains("remediation.held"))
        #expect(!fleet.lastEvents.contains("remediation.replace"))
        #expect(fleet.brain.breakerList().first { $0.scope == "pool p" }?.isOpen == true)

        // The first replacement is bought and comes up; an operator scales the pool down: nothing is
        // terminated while the breakers are open.
        for operation in try fleet.input({ $0.reconcile() }) {
            if case .provision(let request, _) = operation { try fleet.bringUp(request) }
        }
        try fleet.input { _ = try $0.scalePool(name: "p", desiredNodes: 3, actor: "alice") }
        var heldInstances: [String] = []
        for _ in 0..<4 {
            let operations = try fleet.input { $0.reconcile() }
            #expect(!operations.contains { if case .terminate = $0 { true } else { false } })
            heldInstances += fleet.transitions.last!.events.filter { $0.kind == "remediation.held" }.map(\.instanceID)
        }
        #expect(heldInstances.contains(try #require(fleet.brain.state.nodes["p-0"]?.instanceID)), "the replaced machine is held")
        #expect(heldInstances.count >= 2, "and the scale-down's")
        #expect(Set(heldInstances).count == heldInstances.count, "each hold is recorded once")

        let closed = try fleet.input { try $0.resetBreakers(scope: "", actor: "operator:alice") }
        #expect(closed.map(\.scope) == ["fleet", "pool p"])
        #expect(fleet.lastEvents.filter { $0 == "breaker.reset" }.count == 2)
        #expect(fleet.lastEvents.contains("remediation.replace"), "the held replacement goes ahead")
        let after = try fleet.input { $0.reconcile() }
        let terminated = after.compactMap { if case .terminate(_, _, let id) = $0 { id } else { nil } }
        #expect(terminated.contains(try #require(fleet.brain.state.nodes["p-0"]?.instanceID)))
    }

    /// A node waiting for its turn under `max_concurrent` is not looked at every second: it
    /// starts the moment a remediation of its pool ends.
    @Test func aRemediationWaitingForItsTurnStartsWhenOneEnds() throws {
        var policy = FleetPolicy()
        policy.maxConcurrentRemediations = 1
        var fleet = BrainDriver(policy: policy)
        try fleet.runningPool("p", nodes: 3)
        try report(&fleet, "p-0")
        fleet.advance(1)
        try report(&fleet, "p-1")
        #expect(fleet.lastEvents.contains("remediation.waiting"))
        let waiting = fleet.brain.state.remediationDeadline(of: "p-1")
        #expect(try #require(waiting) >= fleet.now.addingTimeInterval(60), "no retry every second")
        fleet.advance(5)
        #expect(try fleet.agentAcknowledges("p-0"))  // cordon
        #expect(try fleet.agentAcknowledges("p-0"))  // drain
        #expect(try fleet.agentAcknowledges("p-0"))  // reset
        #expect(fleet.lastEvents.contains("remediation.validated"))
        #expect(fleet.transitions.last?.timersChanged == true, "the monitor is told to look")
        let due = fleet.brain.nextWakeUp()
        #expect(try #require(due) <= fleet.now, "p-1 is due at once")
        try fleet.input { $0.checkHeartbeats() }
        #expect(fleet.lastEvents.contains("remediation.reset_gpu"), "\(fleet.lastEvents)")
    }

    @Test func provisioningWaitsForTheRateLimitAndSaysWhen() throws {
        var policy = FleetPolicy()
        policy.rateLimits = RateLimits(provisionsPerProvider: 60, terminationsPerProvider: 60, provisionsPerPool: 2, terminationsPerPool: 20)
        var fleet = BrainDriver(policy: policy)
        try fleet.input { _ = try $0.createPool(name: "p", provider: "fake", gpuType: "h100", gpus: 40) }
        let first = try fleet.input { $0.reconcile() }
        #expect(first.count == 2)
        #expect(fleet.lastEvents.filter { $0 == "instance.requested" }.count == 5)
        #expect(fleet.lastEvents.contains("rate_limit.deferred"))
        let next = try #require(fleet.brain.nextReconcile(at: fleet.now))
        #expect(next > fleet.now && next <= fleet.now.addingTimeInterval(60))
        #expect(try fleet.input { $0.reconcile() }.isEmpty, "no token yet")
        fleet.now = next
        #expect(try fleet.input { $0.reconcile() }.count == 1)
    }

    @Test func aCapacityErrorFailsOverToTheNextProvider() throws {
        var fleet = BrainDriver(providers: ["east", "west"])
        try fleet.input { _ = try $0.createPool(name: "p", provider: "east,west", gpuType: "h100", gpus: 8) }
        let first = try fleet.input { $0.reconcile() }
        guard case .provision(let request, let provider) = try #require(first.first) else { Issue.record("no provision"); return }
        #expect(provider == "east")
        try fleet.input { try $0.provisionStarted(instanceID: request.instanceID) }
        try fleet.input { try $0.provisionFinished(instanceID: request.instanceID, result: .failure(NavarchError(.capacity, "no h100 in us-east-1"))) }
        #expect(fleet.lastEvents == ["instance.failed"])
        fleet.advance(FleetPolicy().provisionRetryBackoff.timeInterval + 1)
        let retry = try fleet.input { $0.reconcile() }
        let providers = retry.compactMap { if case .provision(_, let provider) = $0 { provider } else { nil } }
        #expect(providers == ["west"])
        #expect(fleet.lastEvents.contains("instance.failover"))
    }

    @Test(arguments: [false, true])
    func aDrainTimeoutProceedsOrHoldsAsConfigured(_ hold: Bool) throws {
        var policy = FleetPolicy()
        policy.coordinator = CoordinatorPolicy(name: "slurm", holdOnDrainTimeout: hold)
        var fleet = BrainDriver(policy: policy)
        try fleet.runningPool("p", nodes: 1)
        let node = try fleet.input { try $0.drain(nodeID: "p-0", reason: "maintenance", actor: "alice") }
        #expect(node.state == .draining)
        #expect(fleet.lastCommands.isEmpty, "the agent's drain waits for the scheduler")
        #expect(fleet.transitions.last?.effects.contains(.coordinate(.drain(CoordinatedNode(node), reason: "maintenance"))) == true)
        try fleet.input { try $0.coordinatorDrainFinished(nodeID: "p-0", drained: false, message: "not drained within 600 s") }
        #expect(fleet.lastEvents == ["coordinator.drain_timeout"])
        #expect(fleet.lastCommands == (hold ? [] : [.drain]))
        #expect(fleet.brain.state.nodes["p-0"]?.state == .draining)
    }

    @Test func aPassingDiagnosticPutsTheNodeBack() throws {
        var fleet = BrainDriver()
        try fleet.runningPool("p", nodes: 1)
        let (_, commandID) = try fleet.input { try $0.runDiagnostic(nodeID: "p-0", suite: "dcgm", level: 2) }
        #expect(fleet.lastCommands == [.drain, .runDiagnostic])
        #expect(throws: NavarchError.self) { try fleet.input { try $0.runDiagnostic(nodeID: "p-0", suite: "dcgm", level: 2) } }
        #expect(try fleet.agentAcknowledges("p-0"))  // drain
        #expect(fleet.brain.state.nodes["p-0"]?.state == .diagnosing)
        try fleet.input { try $0.acknowledge(nodeID: "p-0", commandID: commandID, success: true, message: "all tests passed") }
        #expect(fleet.lastEvents.contains("diagnostic.passed"))
        #expect(fleet.lastCommands == [.uncordon])
        #expect(fleet.brain.state.nodes["p-0"]?.state == .active)
    }

    @Test func aQueueGrowsThePoolWithinItsBoundsAndCooldown() throws {
        var fleet = BrainDriver()
        let autoscaling = PoolAutoscaling(autoscaler: .queue(QueueAutoscaler(jobsPerNode: 2)))
        try fleet.input { _ = try $0.createPool(name: "q", provider: "fake", gpuType: "h100", gpus: 0, minNodes: 1, maxNodes: 4, autoscaling: autoscaling) }
        try fleet.input { _ = try $0.reportQueue(pool: "q", depth: 6, nodeJobs: [:]) }
        #expect(fleet.lastEvents == ["pool.queue"])
        try fleet.input { $0.autoscale() }
        #expect(fleet.lastEvents == ["pool.scaled"])
        #expect(fleet.transitions.last?.events.first?.attributes["actor"] == "navarch/autoscaler")
        #expect(fleet.brain.listPools().first?.desiredNodes == 3)
        try fleet.input { _ = try $0.reportQueue(pool: "q", depth: 20, nodeJobs: [:]) }
        try fleet.input { $0.autoscale() }
        #expect(fleet.brain.listPools().first?.desiredNodes == 3, "within the scale-up cooldown")
        fleet.advance(301)
        try fleet.input { $0.autoscale() }
        #expect(fleet.brain.listPools().first?.desiredNodes == 4, "bounded by max_nodes")
    }

    @Test func aRestartResumesAProvisionNeverHandedToTheProvider() throws {
        var fleet = BrainDriver()
        try fleet.input { _ = try $0.createPool(name: "p", provider: "fake", gpuType: "h100", gpus: 8) }
        fleet.crash = (0, .afterCommit)
        #expect(throws: BrainDriver.Killed.self) { try fleet.input { $0.reconcile() } }
        #expect(fleet.store.instances.values.map(\.state) == [.requested])
        try fleet.restart()
        let resumed = try fleet.input { $0.reconcile() }
        #expect(resumed.count == 1, "the same instance is asked for again, not a second one")
        guard case .provision(let request, _) = try #require(resumed.first) else { return }
        #expect(request.instanceID == fleet.store.instances.keys.first)
    }

    @Test func theSameInputsGiveTheSameRecordsAndEffects() throws {
        func run() throws -> [FleetTransition] {
            var fleet = BrainDriver()
            try fleet.runningPool("p", nodes: 3)
            try report(&fleet, "p-1")
            while try fleet.agentAcknowledges("p-1") {}
            fleet.advance(60)
            try fleet.input { $0.checkHeartbeats() }
            return fleet.transitions
        }
        let first = try run(), second = try run()
        #expect(first.map(\.records) == second.map(\.records))
        #expect(first.map(\.effects) == second.map(\.effects))
        #expect(first.last?.events.contains { $0.kind == "node.heartbeat_missed" } == true)
    }
}
