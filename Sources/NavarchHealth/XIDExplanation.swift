import Foundation
import NavarchCore

/// What the policy does with an XID and why: the catalog's entry, NVIDIA's resolution, and
/// each rule that can fire for it with the threshold it needs.
public struct XIDExplanation: Sendable, Equatable, Codable {
    /// One way the XID can be judged.
    public struct Outcome: Sendable, Equatable, Codable {
        /// `first occurrence`, `3 within 24h on one GPU`, ...
        public var when: String
        public var rule: String
        public var verdict: HealthStatus
        public var action: HealthAction
        public var reason: String
    }

    public var code: Int
    /// The catalog's entry; nil for a code NVIDIA's catalog does not list.
    public var entry: XIDCatalog.Entry?
    /// NVIDIA's text for the immediate bucket.
    public var guidance: String
    public var ignored: Bool
    /// Set for codes whose resolution depends on the message (144-150, 154).
    public var decodedFromMessage: String
    public var outcomes: [Outcome]

    public init(code: Int, policy: HealthPolicy, catalog: XIDCatalog = .nvidia) {
        let entry = catalog[code]
        self.code = code
        self.entry = entry
        guidance = catalog.bucketGuidance[entry?.immediate ?? ""] ?? ""
        ignored = policy.ignoredXIDs.contains(code)
        decodedFromMessage = ""
        outcomes = []
        if (144...150).contains(code) {
            let rows = catalog.nvlink5Decode.filter { $0.code == code }
            let buckets = Set(rows.map(\.immediate)).sorted()
            decodedFromMessage = "decoded from the message's interrupt info and error status (\(rows.count) rows in NVIDIA's table; resolutions: \(buckets.joined(separator: ", ")))"
        } else if code == 154 {
            decodedFromMessage = "the message names the recovery action (None, Drain P2P, Drain and Reset, GPU Reset Required, Node Reboot Required)"
        }
        if ignored { return }
        var buckets: Set<ResolutionBucket> = [entry?.immediateBucket ?? .unspecified]
        if (144...150).contains(code) {
            buckets.formUnion(catalog.nvlink5Decode.filter { $0.code == code }.map(\.immediateBucket))
        } else if code == 154 {
            buckets.formUnion([.ignore, .restartApp, .resetGPU, .restartBareMetal])
        }
        var rules = policy.rules.filter { $0.match.event == .xid && $0.match.codes.contains(code) }
        if rules.isEmpty {
            rules = policy.rules.filter { $0.match.event == .xid && $0.match.codes.isEmpty && !$0.match.buckets.isDisjoint(with: buckets) }
        }
        outcomes = rules.sorted { $0.match.count < $1.match.count }.map { rule in
            let when = rule.match.count == 1
                ? "first occurrence"
                : "\(rule.match.count) within \(HealthPolicyEngine.describe(rule.match.window)) on one \(rule.match.scope == .gpu ? "GPU" : "node")"
            let buckets = rule.match.codes.isEmpty ? " [\(rule.match.buckets.intersection(buckets).map(\.rawValue).sorted().joined(separator: ", "))]" : ""
            return Outcome(when: when + ((144...150).contains(code) || code == 154 ? buckets : ""), rule: rule.name, verdict: rule.verdict, action: rule.action, reason: rule.reason)
        }
    }

    /// Several lines for a terminal.
    public var text: String {
        let mnemonic = entry?.mnemonic.replacingOccurrences(of: "\n", with: " ") ?? "unknown"
        var lines = ["XID \(code)  \(mnemonic)", "  \(entry?.description ?? "not in NVIDIA's catalog")"]
        if let entry {
            if !entry.appliesTo.isEmpty { lines.append("  applies to: \(entry.appliesTo.joined(separator: ", "))") }
            let investigatory = entry.investigatory.replacingOccurrences(of: "\n", with: " ")
            lines.append("  NVIDIA's resolution: \(entry.immediate.isEmpty ? "none given" : entry.immediate) (immediate)\(investigatory.isEmpty ? "" : ", \(investigatory) (investigatory)")")
            if !guidance.isEmpty { lines.append("    \(entry.immediate): \(guidance.split(separator: "\n").first ?? "")") }
        }
        if !decodedFromMessage.isEmpty { lines.append("  resolution is \(decodedFromMessage)") }
        lines.append("  this policy:")
        if ignored {
            lines.append("    ignored (ignore_xids): never affects health")
        } else if outcomes.isEmpty {
            lines.append("    no rule matches: reported, health unchanged")
        } else {
            for outcome in outcomes {
                lines.append("    \(outcome.when) -> \(outcome.verdict.rawValue), \(outcome.action.rawValue) (rule \(outcome.rule))\(outcome.reason.isEmpty ? "" : ": \(outcome.reason)")")
            }
        }
        if let triggerConditions = entry?.triggerConditions, !triggerConditions.isEmpty && triggerConditions != "N/A; Unused" {
            lines.append("  trigger conditions: \(triggerConditions.replacingOccurrences(of: "\n", with: " ").prefix(400))")
        }
        return lines.joined(separator: "\n")
    }
}
