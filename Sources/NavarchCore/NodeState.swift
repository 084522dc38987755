/// Lifecycle state of a node. Transitions go through ``NodeLifecycle``.
public enum NodeState: String, Sendable, Codable, CaseIterable {
    case active
    case cordoned
    case draining
    case drained
    case diagnosing
    case repairing
    case unhealthy
    case terminated

    /// Whether new work may be placed on a node in this state.
    public var isSchedulable: Bool { self == .active }
}
