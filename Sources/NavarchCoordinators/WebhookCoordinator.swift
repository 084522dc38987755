import AsyncHTTPClient
import Foundation
import NIOCore
import NavarchCore
import NavarchNotifiers

/// Tells any workload scheduler through HTTP: a POST of `{event, node, hostname, pool, reason,
/// time}` (event `cordon`, `drain` or `uncordon`) to `url`, signed like Navarch's webhooks
/// (``WebhookSignature``), and `GET url/nodes/<node>/drained` answering `{"drained": true}`
/// once the node's work is gone.
public struct WebhookCoordinator: Coordinator {
    public let name = "webhook"
    public let url: String
    let secret: String
    let poster: NotificationPoster

    public init(url: String, secret: String, poster: NotificationPoster = NotificationPoster()) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.secret = secret
        self.poster = poster
    }

    public func cordon(_ node: CoordinatedNode, reason: String) async throws { try await post("cordon", node, reason: reason) }
    public func uncordon(_ node: CoordinatedNode) async throws { try await post("uncordon", node, reason: "") }
    public func drain(_ node: CoordinatedNode, reason: String) async throws { try await post("drain", node, reason: reason) }

    public func isDrained(_ node: CoordinatedNode) async throws -> Bool {
        var request = HTTPClientRequest(url: "\(url)/nodes/\(node.id)/drained")
        request.headers.add(name: "Accept", value: "application/json")
        let timestamp = Int(Date().timeIntervalSince1970)
        request.headers.add(name: WebhookSignature.timestampHeader, value: "\(timestamp)")
        request.headers.add(name: WebhookSignature.header, value: WebhookSignature.sign(body: [], timestamp: timestamp, secret: secret))
        let response: HTTPClientResponse
        do { response = try await HTTPClient.shared.execute(request, timeout: .seconds(10)) } catch {
            throw CoordinatorError(name, "cannot reach \(url): \(error)")
        }
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code == 200 else { throw CoordinatorError(name, "GET \(url)/nodes/\(node.id)/drained: HTTP \(response.status.code)") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any], let drained = object["drained"] as? Bool else {
            throw CoordinatorError(name, "GET \(url)/nodes/\(node.id)/drained did not answer {\"drained\": true|false}")
        }
        return drained
    }

    func post(_ event: String, _ node: CoordinatedNode, reason: String) async throws {
        let object: [String: Any] = [
            "event": event, "node": node.id, "hostname": node.hostname, "pool": node.pool, "reason": reason,
            "time": Timestamp.iso8601(Date()),
        ]
        let body = Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        let timestamp = Int(Date().timeIntervalSince1970)
        do {
            try await poster.post(body, to: url, headers: [
                WebhookSignature.header: WebhookSignature.sign(body: body, timestamp: timestamp, secret: secret),
                WebhookSignature.timestampHeader: "\(timestamp)",
            ])
        } catch {
            throw CoordinatorError(name, "\(error)")
        }
    }
}
