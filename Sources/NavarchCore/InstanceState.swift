/// Lifecycle state of an instance (a machine bought from a provider).
/// Transitions go through ``InstanceLifecycle``.
public enum InstanceState: String, Sendable, Codable, CaseIterable {
    case requested
    case provisioning
    case booting
    case registered
    case running
    case terminating
    case terminated
    case failed

    /// No further transition is possible.
    public var isTerminal: Bool { self == .terminated }

    /// The instance is, or is on its way to becoming, a serving machine.
    public var isLive: Bool {
        switch self {
        case .requested, .provisioning, .booting, .registered, .running: true
        case .terminating, .terminated, .failed: false
        }
    }
}
