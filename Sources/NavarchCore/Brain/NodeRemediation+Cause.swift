extension NodeRemediation.Cause {
    /// Who takes the ladder's automatic actions, for the audit record.
    public static let ladderActor = "navarch/remediation"

    /// Why a verdict asks for remediation: from the observation that made it that the policy
    /// asked the most of, and the sequence numbers of the events that recorded them.
    public init(result: HealthResult, requested: HealthAction, evidence: [Int64], silent: Bool) {
        let worst = result.observations.filter { $0.verdict == result.status }.max { $0.action < $1.action }
        self.init(
            requested: requested, reason: result.reason.isEmpty ? "health \(result.status.rawValue)" : result.reason,
            rule: worst?.rule ?? "", evidence: evidence, gpuIndex: worst?.gpuIndex, silent: silent)
        if worst?.kind == "xid" { xid = worst?.code }
    }

    /// The audit attributes of an action taken for this cause: who, what was asked, the rule,
    /// the evidence, the GPU and the XID; `extra` added over them.
    public func auditAttributes(actor: String = ladderActor, extra: [String: String] = [:]) -> [String: String] {
        var attributes = ["actor": actor, "requested": requested.rawValue]
        if !rule.isEmpty { attributes["rule"] = rule }
        if !evidence.isEmpty { attributes["evidence"] = evidence.map(String.init).joined(separator: ",") }
        if let gpuIndex { attributes["gpu"] = "\(gpuIndex)" }
        if let xid { attributes["xid"] = "\(xid)" }
        return attributes.merging(extra) { _, new in new }
    }
}
