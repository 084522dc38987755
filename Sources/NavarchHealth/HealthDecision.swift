import NavarchCore

/// What the policy made of a signal or a metric sample: the verdict, the action, the rule that
/// decided and why.
public struct HealthDecision: Sendable, Equatable {
    public var verdict: HealthStatus
    public var action: HealthAction
    /// The deciding rule's name; `ignore_xids` for an ignored XID; empty when no rule fired.
    public var rule: String
    /// One line: what was seen and why the rule decided so.
    public var explanation: String
    /// The GPU it concerns, or nil for the node.
    public var gpuIndex: Int?

    public init(verdict: HealthStatus, action: HealthAction, rule: String, explanation: String, gpuIndex: Int? = nil) {
        self.verdict = verdict
        self.action = action
        self.rule = rule
        self.explanation = explanation
        self.gpuIndex = gpuIndex
    }
}
