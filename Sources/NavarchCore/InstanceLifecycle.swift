/// The instance lifecycle as a pure state machine:
/// `requested -> provisioning -> booting -> registered -> running -> terminating -> terminated`,
/// with `failed` for a provision error or a machine that never registers.
public enum InstanceLifecycle {
    /// What can happen to an instance.
    public enum Event: String, Sendable, CaseIterable {
        case startProvisioning = "start provisioning"
        case provisioned = "finish provisioning"
        case register
        case becomeReady = "become ready"
        case fail
        case terminate = "start terminating"
        case terminated = "finish terminating"
        /// The provider no longer has the machine (preempted, deleted outside Navarch).
        case vanish
    }

    /// The state after `event`, or an ``IllegalTransition`` naming why not.
    public static func transition(from state: InstanceState, on event: Event) throws(IllegalTransition) -> InstanceState {
        if let next = table[state]?[event] { return next }
        throw IllegalTransition(subject: "instance", from: state.rawValue, event: event.rawValue)
    }

    /// Whether `event` is legal in `state`.
    public static func allows(_ event: Event, in state: InstanceState) -> Bool {
        table[state]?[event] != nil
    }

    static let table: [InstanceState: [Event: InstanceState]] = [
        .requested: [
            .startProvisioning: .provisioning, .fail: .failed, .terminate: .terminating, .vanish: .terminated,
        ],
        .provisioning: [
            .provisioned: .booting, .fail: .failed, .terminate: .terminating, .vanish: .terminated,
        ],
        .booting: [
            .register: .registered, .fail: .failed, .terminate: .terminating, .vanish: .terminated,
        ],
        .registered: [
            .register: .registered, .becomeReady: .running, .fail: .failed, .terminate: .terminating,
            .vanish: .terminated,
        ],
        .running: [
            .register: .running, .terminate: .terminating, .vanish: .terminated,
        ],
        .terminating: [
            .terminate: .terminating, .terminated: .terminated, .vanish: .terminated,
        ],
        .failed: [
            .terminate: .terminating, .terminated: .terminated, .vanish: .terminated,
        ],
        .terminated: [:],
    ]
}
