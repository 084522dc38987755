/// Whether an automatic termination may go ahead now, pure: an open circuit breaker holds it
/// (unless the machine failed, or its pool is being deleted: an operator asked for that), and
/// with a workload coordinator the node is drained through it first.
public enum TerminationGate {
    public enum Decision: Sendable, Equatable {
        /// Held by the open breaker of `scope`.
        case hold(scope: String, reason: String)
        /// Drain the node through the coordinator first.
        case drainFirst
        /// The coordinator is draining the node; wait.
        case waitForDrain
        case proceed
    }

    /// - Parameters:
    ///   - openBreaker: the open breaker that holds the pool's terminations, if any.
    ///   - coordinated: whether a workload coordinator moves work off nodes.
    ///   - nodeState: the instance's node's state, if it has a node.
    public static func decide(
        _ instance: Instance, poolDeleting: Bool, openBreaker: (scope: String, reason: String)?, coordinated: Bool, nodeState: NodeState?
    ) -> Decision {
        let failed = instance.state == .failed
        if !failed, !poolDeleting, let breaker = openBreaker { return .hold(scope: breaker.scope, reason: breaker.reason) }
        guard coordinated, !failed, let nodeState else { return .proceed }
        if [.active, .cordoned].contains(nodeState) && NodeLifecycle.allows(.drain, in: nodeState) { return .drainFirst }
        return nodeState == .draining ? .waitForDrain : .proceed
    }
}
