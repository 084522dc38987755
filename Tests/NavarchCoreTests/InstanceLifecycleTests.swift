import NavarchCore
import Testing

@Suite struct InstanceLifecycleTests {
    static let legal: [InstanceState: [InstanceLifecycle.Event: InstanceState]] = [
        .requested: [.startProvisioning: .provisioning, .fail: .failed, .terminate: .terminating, .vanish: .terminated],
        .provisioning: [.provisioned: .booting, .fail: .failed, .terminate: .terminating, .vanish: .terminated],
        .booting: [.register: .registered, .fail: .failed, .terminate: .terminating, .vanish: .terminated],
        .registered: [
            .register: .registered, .becomeReady: .running, .fail: .failed, .terminate: .terminating, .vanish: .terminated,
        ],
        .running: [.register: .running, .terminate: .terminating, .vanish: .terminated],
        .terminating: [.terminate: .terminating, .terminated: .terminated, .vanish: .terminated],
        .failed: [.terminate: .terminating, .terminated: .terminated, .vanish: .terminated],
        .terminated: [:],
    ]

    @Test(arguments: InstanceState.allCases)
    func everyEventFrom(_ state: InstanceState) throws {
        for event in InstanceLifecycle.Event.allCases {
            if let expected = Self.legal[state]?[event] {
                #expect(try InstanceLifecycle.transition(from: state, on: event) == expected, "\(state) on \(event)")
            } else {
                #expect(throws: IllegalTransition.self, "\(state) on \(event) must be illegal") {
                    try InstanceLifecycle.transition(from: state, on: event)
                }
            }
        }
    }

    @Test func happyPathReachesTerminated() throws {
        var state = InstanceState.requested
        for event: InstanceLifecycle.Event in [.startProvisioning, .provisioned, .register, .becomeReady, .terminate, .terminated] {
            state = try InstanceLifecycle.transition(from: state, on: event)
        }
        #expect(state == .terminated)
        #expect(state.isTerminal)
    }

    @Test func liveStates() {
        #expect(InstanceState.allCases.filter(\.isLive) == [.requested, .provisioning, .booting, .registered, .running])
    }
}
