/// Whether an operator may put a node back in service, pure. A node being replaced never goes
/// back; one that is unhealthy or under repair goes back only with `force` (the operator's word
/// replaces the validation, and the audit record says so); a repair or a diagnostic running on
/// it must finish first.
public enum UncordonRule {
    /// Returns whether the uncordon skips a validation (it is forced), or throws why it may not.
    /// - Parameter condemnedReason: why the node's instance is being replaced, if it is.
    public static func check(_ node: Node, condemnedReason: String?, force: Bool) throws(NavarchError) -> Bool {
        if let condemnedReason {
            throw NavarchError.failedPrecondition("node \(node.id) is being replaced (\(condemnedReason)); it cannot be uncordoned")
        }
        let unvalidated = node.health == .unhealthy || node.state == .unhealthy || node.remediation?.repair != nil
            || node.remediation?.waiting != nil
        if unvalidated && !force {
            let why = node.remediation?.repair.map { "a \($0.action.rawValue) is under way" }
                ?? (node.healthReason.isEmpty ? "it is \(node.health.rawValue)" : "it is \(node.health.rawValue): \(node.healthReason)")
            throw NavarchError.failedPrecondition(
                "node \(node.id) has not passed validation (\(why)); it goes back in service after a passed repair or diagnostic, or with `uncordon --force`")
        }
        if [.repairing, .diagnosing].contains(node.state) {
            throw NavarchError.failedPrecondition("node \(node.id) is \(node.state.rawValue); wait for it to finish, then uncordon")
        }
        return unvalidated
    }
}
