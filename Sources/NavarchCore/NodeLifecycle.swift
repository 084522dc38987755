/// The node lifecycle as a pure state machine: only the transitions listed here are legal.
public enum NodeLifecycle {
    /// What can happen to a node.
    public enum Event: String, Sendable, CaseIterable {
        case cordon
        case drain
        case drainCompleted = "complete drain"
        case uncordon
        case startDiagnosis = "start diagnosis"
        case diagnosisPassed = "pass diagnosis"
        case diagnosisFailed = "fail diagnosis"
        case startRepair = "start repair"
        case repairCompleted = "complete repair"
        case markUnhealthy = "be marked unhealthy"
        case terminate
    }

    /// The state after `event`, or an ``IllegalTransition`` naming why not.
    public static func transition(from state: NodeState, on event: Event) throws(IllegalTransition) -> NodeState {
        if let next = table[state]?[event] { return next }
        throw IllegalTransition(subject: "node", from: state.rawValue, event: event.rawValue)
    }

    /// Whether `event` is legal in `state`.
    public static func allows(_ event: Event, in state: NodeState) -> Bool {
        table[state]?[event] != nil
    }

    static let table: [NodeState: [Event: NodeState]] = [
        .active: [
            .cordon: .cordoned, .drain: .draining, .markUnhealthy: .unhealthy, .terminate: .terminated,
        ],
        .cordoned: [
            .cordon: .cordoned, .uncordon: .active, .drain: .draining, .startDiagnosis: .diagnosing,
            .startRepair: .repairing, .markUnhealthy: .unhealthy, .terminate: .terminated,
        ],
        .draining: [
            .drainCompleted: .drained, .uncordon: .active, .markUnhealthy: .unhealthy, .terminate: .terminated,
        ],
        .drained: [
            .uncordon: .active, .startDiagnosis: .diagnosing, .startRepair: .repairing,
            .markUnhealthy: .unhealthy, .terminate: .terminated,
        ],
        .diagnosing: [
            .diagnosisPassed: .active, .diagnosisFailed: .unhealthy, .terminate: .terminated,
        ],
        .repairing: [
            .repairCompleted: .diagnosing, .markUnhealthy: .unhealthy, .terminate: .terminated,
        ],
        .unhealthy: [
            .markUnhealthy: .unhealthy, .startRepair: .repairing, .startDiagnosis: .diagnosing,
            .uncordon: .active, .terminate: .terminated,
        ],
        .terminated: [:],
    ]
}
