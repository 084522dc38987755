import Foundation
import NavarchCore

/// Applies a ``HealthPolicy``. Pure apart from its memory of recent occurrences, which it
/// needs for rules that count within a window: give it a signal and the time, get a decision.
public struct HealthPolicyEngine: Sendable {
    public let policy: HealthPolicy
    public let catalog: XIDCatalog
    /// Repeats closer together than this count as one occurrence.
    public var burstWindow: TimeInterval = 5
    /// Occurrence times per rule and scope key (`rule|gpu-3`, `rule|node`).
    private var occurrences: [String: [Date]] = [:]

    public init(policy: HealthPolicy = .builtin, catalog: XIDCatalog = .nvidia) {
        self.policy = policy
        self.catalog = catalog
    }

    /// Judges one signal seen at `time`.
    public mutating func evaluate(_ signal: HealthSignal, at time: Date) -> HealthDecision {
        switch signal {
        case .xid(let code, let gpuIndex, let message, let count):
            if policy.ignoredXIDs.contains(code) {
                return HealthDecision(
                    verdict: .healthy, action: .none, rule: "ignore_xids",
                    explanation: "XID \(code) is ignored by configuration", gpuIndex: gpuIndex)
            }
            let bucket = XIDResolution.bucket(code: code, message: message, catalog: catalog)
            var candidates = policy.rules.filter { $0.match.event == .xid && $0.match.codes.contains(code) }
            if candidates.isEmpty {
                candidates = policy.rules.filter { $0.match.event == .xid && $0.match.codes.isEmpty && $0.match.buckets.contains(bucket) }
            }
            let name = catalog[code].map { " \($0.mnemonic)" } ?? ""
            let subject = "XID \(code)\(name) (\(bucket == .unspecified ? "no bucket" : bucket.rawValue))"
            return decide(candidates, subject: subject, gpuIndex: gpuIndex, count: count, at: time)
        case .sxid(let code, let fatal, _, let count):
            let candidates = policy.rules.filter {
                $0.match.event == .sxid && ($0.match.codes.isEmpty || $0.match.codes.contains(code))
                    && ($0.match.fatal == nil || $0.match.fatal == fatal)
            }
            return decide(candidates, subject: "SXid \(code) (\(fatal ? "fatal" : "non-fatal"))", gpuIndex: nil, count: count, at: time)
        case .check(let name, let status, let gpuIndex, let message):
            let candidates = policy.rules.filter {
                $0.match.event == .check && ($0.match.checks.isEmpty || $0.match.checks.contains(name)) && $0.match.checkStatus == status
            }
            return decide(
                candidates, subject: "check \(name) \(status.rawValue)\(message.isEmpty ? "" : " (\(message))")",
                gpuIndex: gpuIndex, count: 1, at: time)
        }
    }

    /// Judges a GPU's current metrics. Metric verdicts describe the present: they clear when the
    /// metric comes back within bounds. Returns the worst decision, healthy when none fires.
    public func evaluate(metrics: [String: Double], gpuIndex: Int) -> HealthDecision {
        var worst = HealthDecision(verdict: .healthy, action: .none, rule: "", explanation: "", gpuIndex: gpuIndex)
        for rule in policy.rules where rule.match.event == .metric {
            guard let name = rule.match.metric, let value = metrics[name], rule.match.crosses(value) else { continue }
            let bound = rule.match.above.map { "above \(Self.format($0))" } ?? rule.match.below.map { "below \(Self.format($0))" } ?? ""
            let decision = HealthDecision(
                verdict: rule.verdict, action: rule.action, rule: rule.name,
                explanation: "\(name) = \(Self.format(value)), \(bound): \(rule.reason)", gpuIndex: gpuIndex)
            if Self.isWorse(decision, than: worst) { worst = decision }
        }
        return worst
    }

    private mutating func decide(_ candidates: [HealthRule], subject: String, gpuIndex: Int?, count: Int, at time: Date) -> HealthDecision {
        var best: HealthDecision? = nil
        var closest = ""
        for rule in candidates {
            let key = "\(rule.name)|" + (rule.match.scope == .gpu ? "gpu-\(gpuIndex.map(String.init) ?? "?")" : "node")
            let horizon = time.addingTimeInterval(-rule.match.window.timeInterval)
            var times = occurrences[key, default: []].filter { $0 > horizon }
            // A burst (the same signal again within `burstWindow`) is one occurrence: one fault
            // often logs many identical lines.
            if let last = times.last, time.timeIntervalSince(last) < burstWindow {
                times[times.count - 1] = time
            } else {
                times.append(time)
            }
            occurrences[key] = Array(times.suffix(max(rule.match.count, 1)))
            if times.count >= rule.match.count {
                let repeated = rule.match.count > 1 ? " \(times.count) times within \(Self.describe(rule.match.window)) on \(rule.match.scope == .gpu ? "this GPU" : "this node")" : ""
                let decision = HealthDecision(
                    verdict: rule.verdict, action: rule.action, rule: rule.name,
                    explanation: "\(subject)\(repeated): \(rule.reason)", gpuIndex: gpuIndex)
                if best == nil || Self.isWorse(decision, than: best!) { best = decision }
            } else if closest.isEmpty {
                closest = "; \(rule.name) needs \(rule.match.count) within \(Self.describe(rule.match.window)), seen \(times.count)"
            }
        }
        return best ?? HealthDecision(
            verdict: .healthy, action: .none, rule: "", explanation: "\(subject): no rule fired\(closest)", gpuIndex: gpuIndex)
    }

    public static func isWorse(_ lhs: HealthDecision, than rhs: HealthDecision) -> Bool {
        if lhs.verdict != rhs.verdict { return lhs.verdict > rhs.verdict }
        return lhs.action > rhs.action
    }

    /// `24h`, `90m`, `30s`, `500ms`.
    public static func describe(_ duration: Duration) -> String {
        let milliseconds = Int64((duration.timeInterval * 1000).rounded())
        if milliseconds % 3_600_000 == 0 && milliseconds > 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds % 60_000 == 0 && milliseconds > 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
