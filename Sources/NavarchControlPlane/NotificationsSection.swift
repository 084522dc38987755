import Foundation
import NavarchCore
import Yams

/// `notifications:` in navarch.yaml: a list of receivers.
enum NotificationsSection {
    static func parse(_ node: Yams.Node, file: String) throws -> [NotificationRoute] {
        guard case .sequence(let items) = node else {
            throw ConfigurationError(file: file, key: "notifications", line: ConfigurationFile.line(node), problem: "expected a list of receivers")
        }
        return try items.enumerated().map { position, item in
            let here = "notifications[\(position)]"
            let fields = try YAMLFields(item, at: here, file: file, known: [
                "type", "url", "secret", "secret_file", "routing_key", "routing_key_file", "min_severity", "events",
            ])
            let typeText = try fields.required("type", NotificationRoute.Kind.allCases.map(\.rawValue).joined(separator: ", "))
            guard let kind = NotificationRoute.Kind(rawValue: typeText) else {
                throw fields.fail("type", "expected \(NotificationRoute.Kind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(typeText)'")
            }
            var route = NotificationRoute(kind: kind)
            if let severity = try fields.string("min_severity") {
                guard let value = EventSeverity(rawValue: severity) else { throw fields.fail("min_severity", "expected info, warning or critical, got '\(severity)'") }
                route.minimumSeverity = value
            } else if kind == .log {
                route.minimumSeverity = .info
            } else if kind == .pagerduty {
                route.minimumSeverity = .critical
            }
            route.kinds = try fields.strings("events") ?? []
            route.url = try fields.string("url") ?? (kind == .pagerduty ? "https://events.pagerduty.com/v2/enqueue" : "")
            if kind != .log {
                guard route.url.hasPrefix("http://") || route.url.hasPrefix("https://") else {
                    throw fields.fail("url", "required: an http:// or https:// URL")
                }
            }
            route.secret = try secret(fields, "secret")
            route.routingKey = try secret(fields, "routing_key")
            if kind == .pagerduty && route.routingKey.isEmpty { throw fields.fail("routing_key", "required: the integration's routing key (or routing_key_file)") }
            if kind == .webhook && route.secret.isEmpty { throw fields.fail("secret", "required: the HMAC key the receiver checks (or secret_file)") }
            return route
        }
    }

    /// A secret given inline or, better, in a file (`secret_file`).
    static func secret(_ fields: YAMLFields, _ name: String) throws -> String {
        if fields.has(name) && fields.has(name + "_file") { throw fields.fail(name, "give \(name) or \(name)_file, not both") }
        if let path = try fields.string(name + "_file") {
            do {
                return try String(contentsOfFile: ConfigurationFile.expandTilde(path), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch { throw fields.fail(name + "_file", "cannot read \(path): \(error.localizedDescription)") }
        }
        return try fields.string(name) ?? ""
    }
}
