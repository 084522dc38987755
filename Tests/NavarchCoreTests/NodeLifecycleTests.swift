import NavarchCore
import Testing

@Suite struct NodeLifecycleTests {
    /// The full table of legal transitions; everything not listed must be rejected.
    static let legal: [NodeState: [NodeLifecycle.Event: NodeState]] = [
        .active: [.cordon: .cordoned, .drain: .draining, .markUnhealthy: .unhealthy, .terminate: .terminated],
        .cordoned: [
            .cordon: .cordoned, .uncordon: .active, .drain: .draining, .startDiagnosis: .diagnosing,
            .startRepair: .repairing, .markUnhealthy: .unhealthy, .terminate: .terminated,
        ],
        .draining: [.drainCompleted: .drained, .uncordon: .active, .markUnhealthy: .unhealthy, .terminate: .terminated],
        .drained: [
            .uncordon: .active, .startDiagnosis: .diagnosing, .startRepair: .repairing, .markUnhealthy: .unhealthy,
            .terminate: .terminated,
        ],
        .diagnosing: [.diagnosisPassed: .active, .diagnosisFailed: .unhealthy, .terminate: .terminated],
        .repairing: [.repairCompleted: .diagnosing, .markUnhealthy: .unhealthy, .terminate: .terminated],
        .unhealthy: [
            .markUnhealthy: .unhealthy, .startRepair: .repairing, .startDiagnosis: .diagnosing, .uncordon: .active,
            .terminate: .terminated,
        ],
        .terminated: [:],
    ]

    @Test(arguments: NodeState.allCases)
    func everyEventFrom(_ state: NodeState) throws {
        for event in NodeLifecycle.Event.allCases {
            if let expected = Self.legal[state]?[event] {
                #expect(try NodeLifecycle.transition(from: state, on: event) == expected, "\(state) on \(event)")
                #expect(NodeLifecycle.allows(event, in: state))
            } else {
                #expect(throws: IllegalTransition.self, "\(state) on \(event) must be illegal") {
                    try NodeLifecycle.transition(from: state, on: event)
                }
                #expect(!NodeLifecycle.allows(event, in: state))
            }
        }
    }

    @Test func illegalTransitionSaysWhat() {
        do {
            _ = try NodeLifecycle.transition(from: .terminated, on: .uncordon)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "node cannot uncordon while terminated")
        }
    }

    @Test func onlyActiveNodesAreSchedulable() {
        #expect(NodeState.allCases.filter(\.isSchedulable) == [.active])
    }
}
