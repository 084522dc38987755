import Foundation
import NavarchCore
import Testing

/// The pure decisions driven together over seeded random sequences, as the control plane drives
/// them: nodes turn unhealthy, repairs finish, replacements come up, breakers open and reset.
@Suite struct FleetInvariantTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// What one run produced, to compare runs.
    struct Trace: Equatable {
        var decisions: [String] = []
        var terminationsWhileOpen = 0
        var mostUnderWay: [String: Int] = [:]
    }

    func run(seed: UInt64, steps: Int = 200, checkInvariants: Bool = true) -> Trace {
        var random = SeededRandom(seed: seed)
        var ids = IdentifierGenerator.seeded(seed)
        let maxConcurrent = Int.random(in: 1...3, using: &random)
        let planner = RemediationPlanner(silenceGrace: .seconds(30), maxConcurrent: maxConcurrent, repairTimeout: .seconds(600), answeringWithin: .seconds(20))
        var state = FleetState(settings: .init(repairTimeout: .seconds(600)))
        var breakerOpen = false
        var trace = Trace()
        let pools = ["a", "b"]
        for index in 0..<12 {
            let pool = pools[index % 2]
            let instance = Instance(id: ids.instanceID(), pool: pool, provider: "fake", state: .running, nodeID: "\(pool)-\(index)", instanceType: "h100", createdAt: start)
            state.upsert(instance)
            state.upsert(Node(id: instance.nodeID, pool: pool, instanceID: instance.id, provider: "fake", state: .active, health: .healthy, registeredAt: start))
        }
        for step in 0..<steps {
            let now = start.addingTimeInterval(Double(step) * 10)
            let nodes = state.nodes.values.filter { $0.state != .terminated }.sorted { NaturalOrder.precedes($0.id, $1.id) }
            guard !nodes.isEmpty else { break }
            let node = nodes[Int.random(in: 0..<nodes.count, using: &random)]
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5:
                // The node turns unhealthy; the ladder asks for a reset or a replacement.
                guard node.remediation?.repair == nil, state.instances[node.instanceID]?.condemned == false else { continue }
                let action: HealthAction = Bool.random(using: &random) ? .resetGPU : .replace
                let cause = NodeRemediation.Cause(requested: action, reason: "fault", gpuIndex: 0, silent: Int.random(in: 0..<4, using: &random) == 0)
                var graced = cause
                graced.graceOver = true
                let decision = planner.decide(
                    RemediationStep(action: action, reason: "ladder"), cause: graced, pool: node.pool, waiting: node.remediation?.waiting?.reason,
                    underWay: state.remediationsUnderWay(pool: node.pool, excluding: node.id),
                    openBreaker: breakerOpen ? (scope: "fleet", reason: "test") : nil, now: now)
                trace.decisions.append("\(node.id) \(decision)")
                var changed = node
                switch decision {
                case .repair(let step):
                    changed.remediation = NodeRemediation(repair: .init(action: step.action, gpuIndex: 0, commandID: ids.commandID(), startedAt: now, cause: cause))
                case .replace:
                    var instance = state.instances[node.instanceID]!
                    instance.condemned = true
                    instance.condemnedAt = now
                    state.upsert(instance)
                case .wait(let reason, let until, _):
                    changed.remediation = NodeRemediation(waiting: .init(cause: cause, reason: reason, since: now, notBefore: until))
                case .nothing, .alert:
                    break
                }
                state.upsert(changed)
            case 5..<7:
                // A repair finishes, or a condemned machine is terminated once its successor runs.
                if node.remediation?.repair != nil {
                    var repaired = node
                    repaired.remediation = nil
                    state.upsert(repaired)
                } else if var instance = state.instances[node.instanceID], instance.condemned {
                    let gate = TerminationGate.decide(instance, poolDeleting: false, openBreaker: breakerOpen ? ("fleet", "test") : nil, coordinated: false, nodeState: node.state)
                    trace.decisions.append("terminate \(instance.id) \(gate)")
                    guard gate == .proceed else { continue }
                    if breakerOpen { trace.terminationsWhileOpen += 1 }
                    instance.state = .terminated
                    state.upsert(instance)
                    var gone = node
                    gone.state = .terminated
                    state.upsert(gone)
                    let successor = Instance(id: ids.instanceID(), pool: node.pool, provider: "fake", state: .running, nodeID: "\(node.pool)-r\(step)", instanceType: "h100", createdAt: now)
                    state.upsert(successor)
                    state.upsert(Node(id: successor.nodeID, pool: node.pool, instanceID: successor.id, provider: "fake", state: .active, health: .healthy, registeredAt: now))
                }
            case 7:
                breakerOpen.toggle()
            default:
                // Parked remediations whose time came are decided again.
                for due in state.popDueRemediations(at: now) {
                    guard var parked = state.nodes[due], let waiting = parked.remediation?.waiting else { continue }
                    parked.remediation = nil
                    state.upsert(parked)
                    trace.decisions.append("\(due) resumed \(waiting.reason)")
                }
            }
            for pool in pools where checkInvariants {
                let underWay = state.nodes.values.filter { node in
                    node.pool == pool && node.state != .terminated
                        && (node.remediation?.repair != nil || state.instances[node.instanceID].map { $0.condemned && $0.state.isLive } == true)
                }.count
                trace.mostUnderWay[pool] = max(trace.mostUnderWay[pool] ?? 0, underWay)
                #expect(underWay <= maxConcurrent, "seed \(seed) step \(step): \(underWay) of pool \(pool) in remediation, limit \(maxConcurrent)")
            }
        }
        return trace
    }

    @Test func neverMoreThanMaxConcurrentInRemediationAndNoTerminationWhileABreakerIsOpen() {
        for seed in UInt64(1)...50 {
            let trace = run(seed: seed)
            #expect(trace.terminationsWhileOpen == 0, "seed \(seed)")
        }
    }

    /// The same seed gives the same decisions, exactly, every time.
    @Test func theSameInputsGiveTheSameDecisions() {
        for seed in UInt64(1)...1_000 {
            #expect(run(seed: seed, steps: 40, checkInvariants: false) == run(seed: seed, steps: 40, checkInvariants: false), "seed \(seed)")
        }
    }
}
