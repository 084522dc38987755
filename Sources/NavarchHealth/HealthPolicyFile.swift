import Foundation
import NavarchCore
import Yams

/// Reads and writes the `health:` section of `navarch.yaml`: strictly, so that an unknown key
/// or a bad value is an error naming the key and its line.
///
/// ```yaml
/// health:
///   ignore_xids: [43]
///   intervals: { metrics: 15s, dcgm_health: 60s }
///   rules:
///     - name: xid-application-error-repeated   # a built-in name: overrides that rule
///       match: { event: xid, buckets: [RESTART_APP], count: 2, window: 12h, scope: gpu }
///       verdict: unhealthy
///       action: reset_gpu
///     - name: hot-gpu                           # a new rule
///       match: { event: metric, metric: temperature_celsius, above: 85 }
///       verdict: degraded
///       action: alert
///     - name: pcie-replays
///       disabled: true                          # turns a built-in rule off
/// ```
public enum HealthPolicyFile {
    static let sectionKeys = ["base", "ignore_xids", "intervals", "rules"]
    static let ruleKeys = ["name", "disabled", "match", "verdict", "action", "reason"]
    static let matchKeys = [
        "event", "xids", "sxids", "buckets", "fatal", "metric", "above", "below", "checks", "status", "count", "window", "scope",
    ]

    /// Parses a policy document (the value of `health:`) over `base`.
    public static func parse(_ text: String, over base: HealthPolicy = .builtin) throws -> HealthPolicy {
        let root: Yams.Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw HealthPolicyError(key: "", line: nil, problem: "not valid YAML: \(error)")
        }
        guard let root else { return base }
        return try parse(node: root, over: base, prefix: "")
    }

    /// Parses an already-composed YAML node; `prefix` is prepended to key names in errors.
    public static func parse(node root: Yams.Node, over base: HealthPolicy = .builtin, prefix: String) throws -> HealthPolicy {
        let section = try mapping(root, key: prefix, allowed: sectionKeys)
        var policy = base
        if let value = section["base"] {
            switch try string(value, key: join(prefix, "base")) {
            case "builtin": policy = .builtin
            case "none": policy = HealthPolicy(rules: [])
            case let other:
                throw HealthPolicyError(key: join(prefix, "base"), line: line(value), problem: "expected builtin or none, got '\(other)'")
            }
        }
        if let value = section["ignore_xids"] {
            policy.ignoredXIDs = Set(try integers(value, key: join(prefix, "ignore_xids")))
        }
        if let value = section["intervals"] {
            let key = join(prefix, "intervals")
            let intervals = try mapping(value, key: key, allowed: ["metrics", "dcgm_health"])
            if let metrics = intervals["metrics"] { policy.metricsInterval = try duration(metrics, key: key + ".metrics", minimum: .milliseconds(100)) }
            if let dcgm = intervals["dcgm_health"] { policy.dcgmHealthInterval = try duration(dcgm, key: key + ".dcgm_health", minimum: .seconds(1)) }
        }
        if let value = section["rules"] {
            guard case .sequence(let list) = value else {
                throw HealthPolicyError(key: join(prefix, "rules"), line: line(value), problem: "expected a list of rules")
            }
            var names = Set<String>()
            for (position, item) in list.enumerated() {
                let key = join(prefix, "rules[\(position)]")
                let fields = try mapping(item, key: key, allowed: ruleKeys)
                guard let nameNode = fields["name"] else { throw HealthPolicyError(key: key, line: line(item), problem: "a rule needs a name") }
                let name = try string(nameNode, key: key + ".name")
                guard !name.isEmpty else { throw HealthPolicyError(key: key + ".name", line: line(nameNode), problem: "must not be empty") }
                guard names.insert(name).inserted else {
                    throw HealthPolicyError(key: key + ".name", line: line(nameNode), problem: "rule '\(name)' is given twice")
                }
                if let disabled = fields["disabled"], try bool(disabled, key: key + ".disabled") {
                    guard policy.remove(named: name) else {
                        throw HealthPolicyError(key: key + ".name", line: line(nameNode), problem: "no rule named '\(name)' to disable")
                    }
                    continue
                }
                let existing = policy.rule(named: name)
                guard existing != nil || fields["match"] != nil else {
                    throw HealthPolicyError(
                        key: key + ".match", line: line(item),
                        problem: "'\(name)' is not a built-in rule, so it needs a match (built-in rules: \(HealthPolicy.builtin.rules.map(\.name).joined(separator: ", ")))")
                }
                var rule = existing ?? HealthRule(name: name, match: RuleMatch(event: .xid), verdict: .degraded, action: .alert)
                if let match = fields["match"] { rule.match = try parseMatch(match, key: key + ".match") }
                if let verdict = fields["verdict"] {
                    let text = try string(verdict, key: key + ".verdict")
                    guard let value = HealthStatus(rawValue: text), value != .unknown else {
                        throw HealthPolicyError(key: key + ".verdict", line: line(verdict), problem: "expected healthy, degraded or unhealthy, got '\(text)'")
                    }
                    rule.verdict = value
                } else if existing == nil {
                    throw HealthPolicyError(key: key + ".verdict", line: line(item), problem: "a new rule needs a verdict")
                }
                if let action = fields["action"] {
                    let text = try string(action, key: key + ".action")
                    guard let value = HealthAction(rawValue: text) else {
                        throw HealthPolicyError(
                            key: key + ".action", line: line(action),
                            problem: "expected one of \(HealthAction.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
                    }
                    rule.action = value
                }
                if let reason = fields["reason"] { rule.reason = try string(reason, key: key + ".reason") }
                policy.set(rule)
            }
        }
        return policy
    }

    private static func parseMatch(_ node: Yams.Node, key: String) throws -> RuleMatch {
        let fields = try mapping(node, key: key, allowed: matchKeys)
        guard let eventNode = fields["event"] else { throw HealthPolicyError(key: key + ".event", line: line(node), problem: "required (xid, sxid, metric or check)") }
        let eventText = try string(eventNode, key: key + ".event")
        guard let event = RuleMatch.Event(rawValue: eventText) else {
            throw HealthPolicyError(key: key + ".event", line: line(eventNode), problem: "expected xid, sxid, metric or check, got '\(eventText)'")
        }
        var match = RuleMatch(event: event)
        match.scope = event == .xid || event == .metric ? .gpu : .node
        let allowedByEvent: [RuleMatch.Event: Set<String>] = [
            .xid: ["xids", "buckets"], .sxid: ["sxids", "fatal"], .metric: ["metric", "above", "below"], .check: ["checks", "status"],
        ]
        for (name, value) in fields where !["event", "count", "window", "scope"].contains(name) {
            guard allowedByEvent[event]!.contains(name) else {
                throw HealthPolicyError(
                    key: "\(key).\(name)", line: line(value),
                    problem: "does not apply to event \(event.rawValue) (it takes \(allowedByEvent[event]!.sorted().joined(separator: ", ")), count, window, scope)")
            }
        }
        if let value = fields["xids"] { match.codes = Set(try integers(value, key: key + ".xids")) }
        if let value = fields["sxids"] { match.codes = Set(try integers(value, key: key + ".sxids")) }
        if let value = fields["buckets"] {
            guard case .sequence(let list) = value else { throw HealthPolicyError(key: key + ".buckets", line: line(value), problem: "expected a list of buckets") }
            for item in list {
                let text = try string(item, key: key + ".buckets")
                guard let bucket = ResolutionBucket(rawValue: text), bucket != .unspecified || text.isEmpty else {
                    throw HealthPolicyError(
                        key: key + ".buckets", line: line(item),
                        problem: "unknown bucket '\(text)' (known: \(ResolutionBucket.allCases.filter { $0 != .unspecified }.map(\.rawValue).joined(separator: ", ")))")
                }
                match.buckets.insert(bucket)
            }
        }
        if event == .xid && match.codes.isEmpty && match.buckets.isEmpty {
            throw HealthPolicyError(key: key, line: line(node), problem: "an xid rule needs xids or buckets")
        }
        if let value = fields["fatal"] { match.fatal = try bool(value, key: key + ".fatal") }
        if let value = fields["metric"] { match.metric = try string(value, key: key + ".metric") }
        if let value = fields["above"] { match.above = try number(value, key: key + ".above") }
        if let value = fields["below"] { match.below = try number(value, key: key + ".below") }
        if event == .metric && (match.metric == nil || (match.above == nil && match.below == nil)) {
            throw HealthPolicyError(key: key, line: line(node), problem: "a metric rule needs metric and above or below")
        }
        if let value = fields["checks"] {
            guard case .sequence(let list) = value else { throw HealthPolicyError(key: key + ".checks", line: line(value), problem: "expected a list of check names") }
            match.checks = Set(try list.map { try string($0, key: key + ".checks") })
        }
        if let value = fields["status"] {
            let text = try string(value, key: key + ".status")
            guard let status = CheckStatus(rawValue: text), status == .fail || status == .warn else {
                throw HealthPolicyError(key: key + ".status", line: line(value), problem: "expected fail or warn, got '\(text)'")
            }
            match.checkStatus = status
        }
        if let value = fields["count"] {
            let count = try integers(.sequence(.init([value])), key: key + ".count")[0]
            guard count >= 1 else { throw HealthPolicyError(key: key + ".count", line: line(value), problem: "must be at least 1") }
            match.count = count
        }
        if let value = fields["window"] { match.window = try duration(value, key: key + ".window", minimum: .seconds(1)) }
        if let value = fields["scope"] {
            let text = try string(value, key: key + ".scope")
            guard let scope = RuleMatch.Scope(rawValue: text) else {
                throw HealthPolicyError(key: key + ".scope", line: line(value), problem: "expected gpu or node, got '\(text)'")
            }
            match.scope = scope
        }
        return match
    }

    // MARK: - Writing

    /// The whole policy as a document that parses back to the same policy (`base: none`).
    public static func render(_ policy: HealthPolicy) -> String {
        var lines = ["base: none"]
        lines.append("ignore_xids: [\(policy.ignoredXIDs.sorted().map(String.init).joined(separator: ", "))]")
        lines.append("intervals: { metrics: \(HealthPolicyEngine.describe(policy.metricsInterval)), dcgm_health: \(HealthPolicyEngine.describe(policy.dcgmHealthInterval)) }")
        lines.append("rules:")
        for rule in policy.rules {
            lines.append("  - name: \(quoted(rule.name))")
            lines.append("    match: { \(describe(rule.match)) }")
            lines.append("    verdict: \(rule.verdict.rawValue)")
            lines.append("    action: \(rule.action.rawValue)")
            if !rule.reason.isEmpty { lines.append("    reason: \(quoted(rule.reason))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A rule's match as YAML flow-mapping content: `event: xid, buckets: [RESET_GPU], ...`.
    public static func describe(_ match: RuleMatch) -> String {
        var parts = ["event: \(match.event.rawValue)"]
        switch match.event {
        case .xid:
            if !match.codes.isEmpty { parts.append("xids: [\(match.codes.sorted().map(String.init).joined(separator: ", "))]") }
            if !match.buckets.isEmpty { parts.append("buckets: [\(match.buckets.map { quoted($0.rawValue) }.sorted().joined(separator: ", "))]") }
        case .sxid:
            if !match.codes.isEmpty { parts.append("sxids: [\(match.codes.sorted().map(String.init).joined(separator: ", "))]") }
            if let fatal = match.fatal { parts.append("fatal: \(fatal)") }
        case .metric:
            parts.append("metric: \(quoted(match.metric ?? ""))")
            if let above = match.above { parts.append("above: \(HealthPolicyEngine.format(above))") }
            if let below = match.below { parts.append("below: \(HealthPolicyEngine.format(below))") }
        case .check:
            if !match.checks.isEmpty { parts.append("checks: [\(match.checks.sorted().map(quoted).joined(separator: ", "))]") }
            parts.append("status: \(match.checkStatus.rawValue)")
        }
        if match.count != 1 { parts.append("count: \(match.count)") }
        if match.count != 1 || match.window != .seconds(24 * 3600) { parts.append("window: \(HealthPolicyEngine.describe(match.window))") }
        parts.append("scope: \(match.scope.rawValue)")
        return parts.joined(separator: ", ")
    }

    private static func quoted(_ text: String) -> String {
        let plain = !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "_-./".contains($0) } && Double(text) == nil
            && !["true", "false", "null", "yes", "no", "on", "off"].contains(text.lowercased())
        if plain { return text }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    // MARK: - Values

    private static func join(_ prefix: String, _ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }

    private static func line(_ node: Yams.Node) -> Int? { node.mark.map { $0.line } }

    private static func mapping(_ node: Yams.Node, key: String, allowed: [String]) throws -> [String: Yams.Node] {
        guard case .mapping(let mapping) = node else {
            throw HealthPolicyError(key: key, line: line(node), problem: "expected a mapping of keys")
        }
        var result: [String: Yams.Node] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw HealthPolicyError(key: key, line: line(keyNode), problem: "keys must be plain names")
            }
            let name = scalar.string
            guard allowed.contains(name) else {
                throw HealthPolicyError(key: join(key, name), line: line(keyNode), problem: "unknown key; known keys here: \(allowed.joined(separator: ", "))")
            }
            guard result[name] == nil else { throw HealthPolicyError(key: join(key, name), line: line(keyNode), problem: "key given twice") }
            result[name] = value
        }
        return result
    }

    private static func string(_ node: Yams.Node, key: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw HealthPolicyError(key: key, line: line(node), problem: "expected a single value") }
        return scalar.string
    }

    private static func bool(_ node: Yams.Node, key: String) throws -> Bool {
        switch try string(node, key: key) {
        case "true", "yes": return true
        case "false", "no": return false
        case let other: throw HealthPolicyError(key: key, line: line(node), problem: "expected true or false, got '\(other)'")
        }
    }

    private static func number(_ node: Yams.Node, key: String) throws -> Double {
        let text = try string(node, key: key)
        guard let value = Double(text), value.isFinite else {
            throw HealthPolicyError(key: key, line: line(node), problem: "expected a number, got '\(text)'")
        }
        return value
    }

    private static func integers(_ node: Yams.Node, key: String) throws -> [Int] {
        guard case .sequence(let list) = node else { throw HealthPolicyError(key: key, line: line(node), problem: "expected a list of numbers such as [43, 63]") }
        return try list.map { item in
            let text = try string(item, key: key)
            guard let value = Int(text), value >= 0 else { throw HealthPolicyError(key: key, line: line(item), problem: "expected a whole number, got '\(text)'") }
            return value
        }
    }

    private static func duration(_ node: Yams.Node, key: String, minimum: Duration) throws -> Duration {
        let text = try string(node, key: key)
        guard let value = DurationParser.parse(text) else {
            throw HealthPolicyError(key: key, line: line(node), problem: "expected a duration such as 500ms, 5s, 2m or 24h, got '\(text)'")
        }
        guard value >= minimum else { throw HealthPolicyError(key: key, line: line(node), problem: "must be at least \(HealthPolicyEngine.describe(minimum))") }
        return value
    }
}
