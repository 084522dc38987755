import Foundation
import NavarchCore
import NavarchHealth

/// Posts a readable message to a Slack incoming webhook: what happened, to which node, pool
/// and GPU, the XID by name, and the action taken.
public struct SlackNotifier: Notifier {
    public let url: String
    let poster: NotificationPoster

    public init(url: String, poster: NotificationPoster = NotificationPoster()) {
        self.url = url
        self.poster = poster
    }

    /// `:rotating_light: *CRITICAL* remediation.replace on node demo-0 (pool demo) ...`
    public static func text(_ event: FleetEvent, catalog: XIDCatalog = .nvidia) -> String {
        let icon = switch event.severity {
        case .critical: ":rotating_light:"
        case .warning: ":warning:"
        case .info: ":information_source:"
        }
        var subject = event.nodeID.isEmpty ? (event.pool.isEmpty ? "the fleet" : "pool \(event.pool)") : "node \(event.nodeID)"
        if !event.nodeID.isEmpty && !event.pool.isEmpty { subject += " (pool \(event.pool))" }
        var lines = ["\(icon) *\(event.severity.rawValue.uppercased())* `\(event.kind)` on \(subject)", event.message]
        var facts: [String] = []
        if let gpu = event.attributes["gpu"] ?? event.attributes["gpuIndex"], !gpu.isEmpty { facts.append("GPU \(gpu)") }
        if let code = event.attributes["xid"].flatMap(Int.init) ?? (event.attributes["kind"] == "xid" ? event.attributes["code"].flatMap(Int.init) : nil) {
            facts.append("XID \(code) \(catalog[code]?.mnemonic ?? "(not in the catalog)")")
        }
        if let action = event.attributes["action"] ?? event.attributes["requested"], !action.isEmpty { facts.append("action: \(action)") }
        if let actor = event.attributes["actor"] { facts.append("by \(actor)") }
        if !facts.isEmpty { lines.append(facts.joined(separator: " · ")) }
        return lines.joined(separator: "\n")
    }

    public func notify(_ event: FleetEvent) async throws {
        let object: [String: Any] = ["text": Self.text(event)]
        try await poster.post(Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])), to: url)
    }
}
