import NavarchCore

/// One rule of the health policy: when `match` holds, the node or GPU gets `verdict` and the
/// control plane is asked for `action`.
public struct HealthRule: Sendable, Equatable {
    public var name: String
    public var match: RuleMatch
    public var verdict: HealthStatus
    public var action: HealthAction
    /// Why the rule exists, printed by `navarch health policy show` and in events.
    public var reason: String

    public init(name: String, match: RuleMatch, verdict: HealthStatus, action: HealthAction, reason: String = "") {
        self.name = name
        self.match = match
        self.verdict = verdict
        self.action = action
        self.reason = reason
    }
}
