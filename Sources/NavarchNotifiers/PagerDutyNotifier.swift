import Foundation
import NavarchCore

/// PagerDuty Events API v2: a `trigger` per node and problem (one incident however many events
/// it gets, through the dedup key), and a `resolve` when the node is healthy again, validated
/// after a repair, or replaced (terminated); a breaker's incident resolves when it is reset.
public struct PagerDutyNotifier: Notifier {
    public let url: String
    let routingKey: String
    let poster: NotificationPoster

    public init(url: String = "https://events.pagerduty.com/v2/enqueue", routingKey: String, poster: NotificationPoster = NotificationPoster()) {
        self.url = url
        self.routingKey = routingKey
        self.poster = poster
    }

    /// `navarch/node/<id>/health` for a node's problem, `navarch/breaker/<scope>` for a breaker.
    public static func dedupKey(_ event: FleetEvent) -> String {
        if event.kind.hasPrefix("breaker.") {
            return "navarch/breaker/\((event.attributes["scope"] ?? "fleet").replacingOccurrences(of: " ", with: "-"))"
        }
        if !event.nodeID.isEmpty { return "navarch/node/\(event.nodeID)/health" }
        return "navarch/pool/\(event.pool)/\(event.kind)"
    }

    /// The Events API v2 body for an event.
    public static func body(_ event: FleetEvent, routingKey: String) -> [String: Any] {
        let resolve = event.resolvesProblem || event.kind == "breaker.reset"
        var body: [String: Any] = [
            "routing_key": routingKey, "event_action": resolve ? "resolve" : "trigger", "dedup_key": dedupKey(event),
        ]
        if !resolve {
            let severity = switch event.severity {
            case .critical: "critical"
            case .warning: "warning"
            case .info: "info"
            }
            let subject = event.nodeID.isEmpty ? (event.pool.isEmpty ? "fleet" : "pool \(event.pool)") : "node \(event.nodeID)"
            body["payload"] = [
                "summary": String("\(subject): \(event.message)".prefix(1024)), "source": event.nodeID.isEmpty ? "navarch" : event.nodeID,
                "severity": severity, "timestamp": Timestamp.iso8601(event.time), "component": event.pool, "group": event.pool,
                "class": event.kind, "custom_details": event.attributes.merging(["sequence": "\(event.sequence)"]) { a, _ in a },
            ] as [String: Any]
        }
        return body
    }

    public func notify(_ event: FleetEvent) async throws {
        let data = try JSONSerialization.data(withJSONObject: Self.body(event, routingKey: routingKey), options: [.sortedKeys])
        try await poster.post(Array(data), to: url)
    }
}
