/// Where notifications go (`notifications:` in navarch.yaml): a kind of receiver, its address,
/// and the least severity it gets.
public struct NotificationRoute: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// One JSON line per event on standard output.
        case log
        /// A POST of the event as JSON, signed with HMAC-SHA256.
        case webhook
        /// A Slack incoming webhook.
        case slack
        /// PagerDuty Events API v2.
        case pagerduty
    }

    public var kind: Kind
    /// The receiver's URL (the PagerDuty events endpoint by default).
    public var url: String
    /// The webhook's HMAC key.
    public var secret: String
    /// The PagerDuty integration's routing key.
    public var routingKey: String
    /// Events below this severity are not sent.
    public var minimumSeverity: EventSeverity
    /// Only these event kinds, when given (`breaker.opened`, `remediation.*`).
    public var kinds: [String]

    public init(
        kind: Kind, url: String = "", secret: String = "", routingKey: String = "", minimumSeverity: EventSeverity = .warning,
        kinds: [String] = []
    ) {
        self.kind = kind
        self.url = url
        self.secret = secret
        self.routingKey = routingKey
        self.minimumSeverity = minimumSeverity
        self.kinds = kinds
    }

    /// Whether `event` goes to this receiver. Events that end a problem reach paging receivers
    /// whatever their severity, so the page is resolved.
    public func accepts(_ event: FleetEvent) -> Bool {
        if !kinds.isEmpty && !kinds.contains(where: { Self.matches($0, event.kind) }) { return false }
        if kind == .pagerduty && event.resolvesProblem { return true }
        return event.severity >= minimumSeverity
    }

    static func matches(_ pattern: String, _ kind: String) -> Bool {
        pattern.hasSuffix(".*") ? kind.hasPrefix(String(pattern.dropLast(1))) : pattern == kind
    }
}
