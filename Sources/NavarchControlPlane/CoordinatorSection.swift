import Foundation
import Yams

/// `coordinator:` in navarch.yaml.
enum CoordinatorSection {
    static func parse(_ node: Yams.Node, file: String) throws -> CoordinatorSettings {
        let fields = try YAMLFields(node, at: "coordinator", file: file, known: [
            "type", "drain_timeout", "poll_interval", "on_drain_timeout", "kubeconfig", "node_label", "scontrol", "url", "secret", "secret_file",
        ])
        let typeText = try fields.required("type", CoordinatorSettings.Kind.allCases.map(\.rawValue).joined(separator: ", "))
        guard let kind = CoordinatorSettings.Kind(rawValue: typeText) else {
            throw fields.fail("type", "expected \(CoordinatorSettings.Kind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(typeText)'")
        }
        var settings = CoordinatorSettings(kind: kind)
        if let timeout = try fields.duration("drain_timeout") { settings.drainTimeout = timeout }
        if let interval = try fields.duration("poll_interval") {
            guard interval >= .milliseconds(100) else { throw fields.fail("poll_interval", "must be at least 100ms") }
            settings.pollInterval = interval
        }
        if let text = try fields.string("on_drain_timeout") {
            guard let value = CoordinatorSettings.OnTimeout(rawValue: text) else { throw fields.fail("on_drain_timeout", "expected proceed or hold, got '\(text)'") }
            settings.onTimeout = value
        }
        let allowed: [CoordinatorSettings.Kind: [String]] = [
            .kubernetes: ["kubeconfig", "node_label"], .slurm: ["scontrol"], .webhook: ["url", "secret", "secret_file"],
        ]
        for key in ["kubeconfig", "node_label", "scontrol", "url", "secret", "secret_file"] where fields.has(key) && !(allowed[kind] ?? []).contains(key) {
            throw fields.fail(key, "not a setting of the \(kind.rawValue) coordinator")
        }
        settings.kubeconfig = ConfigurationFile.expandTilde(try fields.string("kubeconfig") ?? "")
        settings.nodeLabel = try fields.string("node_label") ?? ""
        settings.scontrol = try fields.string("scontrol") ?? "scontrol"
        if kind == .webhook {
            settings.url = try fields.required("url", "the URL events are posted to")
            guard settings.url.hasPrefix("http://") || settings.url.hasPrefix("https://") else { throw fields.fail("url", "expected an http:// or https:// URL") }
            settings.secret = try NotificationsSection.secret(fields, "secret")
            guard !settings.secret.isEmpty else { throw fields.fail("secret", "required: the HMAC key the receiver checks (or secret_file)") }
        }
        return settings
    }
}
