import Foundation
import NavarchCore

/// POSTs every event as JSON (`event`, `severity`, `node`, `pool`, `instance`, `reason`, `time`,
/// `sequence`, `attributes`), signed with HMAC-SHA256 (see ``WebhookSignature``).
public struct WebhookNotifier: Notifier {
    public let url: String
    let secret: String
    let poster: NotificationPoster
    let now: @Sendable () -> Date

    public init(url: String, secret: String, poster: NotificationPoster = NotificationPoster(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.url = url
        self.secret = secret
        self.poster = poster
        self.now = now
    }

    /// The JSON body for an event.
    public static func body(_ event: FleetEvent) -> [UInt8] {
        let object: [String: Any] = [
            "event": event.kind, "severity": event.severity.rawValue, "node": event.nodeID, "pool": event.pool,
            "instance": event.instanceID, "reason": event.message, "time": Timestamp.iso8601(event.time), "sequence": event.sequence,
            "attributes": event.attributes,
        ]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    public func notify(_ event: FleetEvent) async throws {
        let body = Self.body(event)
        let timestamp = Int(now().timeIntervalSince1970)
        try await poster.post(body, to: url, headers: [
            WebhookSignature.header: WebhookSignature.sign(body: body, timestamp: timestamp, secret: secret),
            WebhookSignature.timestampHeader: "\(timestamp)",
        ])
    }
}
