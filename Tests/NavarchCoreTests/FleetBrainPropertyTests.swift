import Foundation
import NavarchCore
import NavarchTesting
import Testing

/// The fleet brain over seeded random input sequences (faults, acknowledgements that succeed or
/// fail, silences, provider answers, breaker resets), with its invariants checked after every
/// input: no automatic termination of a serving machine while a breaker holds its pool, never
/// more than `max_concurrent` of a pool in remediation, no command to a terminated node, and the
/// same seed giving the same records.
@Suite struct FleetBrainPropertyTests {
    struct Run {
        var records: [[StoreRecord]] = []
        var violations: [String] = []
        /// How much of what the invariants guard the run went through.
        var terminations = 0, stepsUnderOpenBreaker = 0, repairsStarted = 0
    }

    func run(seed: UInt64, steps: Int) throws -> Run {
        var random = SeededRandom(seed: seed)
        var policy = FleetPolicy()
        policy.maxConcurrentRemediations = Int.random(in: 1...3, using: &random)
        policy.circuitBreaker = .init(unhealthyShare: 0.4, window: .seconds(600), minimumNodes: 4)
        policy.heartbeatInterval = .seconds(10)
        var fleet = BrainDriver(policy: policy)
        try fleet.runningPool("a", nodes: 4)
        try fleet.runningPool("b", nodes: 4, provider: "fake")
        var result = Run()

        func check(_ fleet: BrainDriver, _ operations: [ProviderOperation], openBefore: Set<String>) -> [String] {
            var found: [String] = []
            for pool in ["a", "b"] {
                let underWay = fleet.brain.state.remediationsUnderWay(pool: pool, excluding: "")
                if underWay > policy.maxConcurrentRemediations { found.append("\(underWay) nodes of \(pool) in remediation") }
            }
            for operation in operations {
                guard case .terminate(_, _, let id) = operation, let instance = fleet.brain.state.instances[id] else { continue }
                let held = openBefore.contains("fleet") || openBefore.contains("pool \(instance.pool)")
                if held && instance.failureReason.isEmpty && fleet.brain.state.pools[instance.pool]?.deleting != true {
                    found.append("\(id) terminated while a breaker was open")
                }
            }
            for effect in fleet.transitions.last?.effects ?? [] {
                if case .deliver(let command) = effect, fleet.brain.state.nodes[command.nodeID]?.state == .terminated {
                    found.append("\(command.kind.rawValue) sent to terminated \(command.nodeID)")
                }
            }
            return found
        }

        for _ in 0..<steps {
            let live = fleet.brain.listNodes(pool: nil).filter { $0.state != .terminated }.map(\.id)
            guard let nodeID = live.isEmpty ? nil : live[Int.random(in: 0..<live.count, using: &random)] else { break }
            let openBefore = Set(fleet.brain.breakerList().filter(\.isOpen).map(\.scope))
            var operations: [ProviderOperation] = []
            let before = fleet.transitions.count
            do {
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<3:
                    let action = [HealthAction.resetGPU, .reboot, .replace][Int.random(in: 0..<3, using: &random)]
                    let observation = BrainDriver.xid(79, gpu: 0, action: action, at: fleet.now)
                    try fleet.input { try $0.reportHealth(nodeID: nodeID, health: .unhealthy, reason: "XID 79", observations: [observation], gpus: []) }
                case 3..<6:
                    _ = try fleet.agentAcknowledges(nodeID, success: Int.random(in: 0..<10, using: &random) > 0)
                case 6:
                    // Time passes; all but the chosen node heartbeat.
                    fleet.advance(Double(Int.random(in: 5...40, using: &random)))
                    for other in live where other != nodeID { try fleet.input { try $0.heartbeat(nodeID: other, gpus: []) } }
                    try fleet.input { $0.checkHeartbeats() }
                case 7, 8:
                    operations = try fleet.input { $0.reconcile() }
                    for operation in operations {
                        switch operation {
                        case .provision(let request, _):
                            if Int.random(in: 0..<5, using: &random) > 0 { try fleet.bringUp(request) } else {
                                try fleet.input { try $0.provisionFinished(instanceID: request.instanceID, result: .failure(NavarchError(.capacity, "none left"))) }
                            }
                        case .terminate(_, _, let id):
                            try fleet.input { try $0.terminateFinished(instanceID: id, error: nil) }
                        }
                    }
                default:
                    if Int.random(in: 0..<3, using: &random) == 0 { try fleet.input { _ = try $0.resetBreakers(scope: "", actor: "operator") } }
                }
            } catch let error as NavarchError where error.code == .failedPrecondition || error.code == .notFound {
                // An operator or agent asking for what the node's state forbids is refused; the fleet goes on.
            }
            if !openBefore.isEmpty { result.stepsUnderOpenBreaker += 1 }
            result.terminations += operations.filter { if case .terminate = $0 { true } else { false } }.count
            result.repairsStarted += fleet.transitions[before...].flatMap(\.events).filter { $0.kind == "remediation.reset_gpu" || $0.kind == "remediation.reboot" }.count
            result.violations += check(fleet, operations, openBefore: openBefore).map { "seed \(seed): \($0)" }
            result.records += fleet.transitions[before...].map(\.records)
        }
        return result
    }

    @Test func invariantsHoldOverRandomInputs() throws {
        var terminations = 0, underOpenBreaker = 0, repairs = 0
        for seed in UInt64(1)...40 {
            let run = try run(seed: seed, steps: 120)
            #expect(run.violations.isEmpty, "\(run.violations.prefix(5))")
            terminations += run.terminations
            underOpenBreaker += run.stepsUnderOpenBreaker
            repairs += run.repairsStarted
        }
        // The runs went where the invariants matter.
        #expect(terminations > 20 && underOpenBreaker > 20 && repairs > 20, "\(terminations) terminations, \(underOpenBreaker) steps under an open breaker, \(repairs) repairs")
    }

    @Test func theSameSeedGivesTheSameRecords() throws {
        for seed in UInt64(1)...10 {
            #expect(try run(seed: seed, steps: 80).records == run(seed: seed, steps: 80).records, "seed \(seed)")
        }
    }
}
