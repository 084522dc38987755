import Foundation
import NavarchCore

/// The control plane's own judgment of what agents report: each XID and SXid is judged again
/// by the node's pool policy (its own occurrence windows per node, timed by the control
/// plane's clock), and the agent's verdict, action and rule become advice the observation
/// carries. A lying or broken agent cannot order a replacement the policy does not ask for.
/// Observations the control plane cannot re-derive (a check's result, a metric sample) keep
/// the agent's verdict: the policy judged them on the node from data only the node has.
public struct ObservationJudge: Sendable {
    let policy: HealthPolicy
    let poolPolicies: [String: HealthPolicy]
    private var engines: [String: HealthPolicyEngine] = [:]

    public init(policy: HealthPolicy, poolPolicies: [String: HealthPolicy] = [:]) {
        self.policy = policy
        self.poolPolicies = poolPolicies
    }

    /// `observations` of `node` (in `pool`) as the control plane's policy judges them at `now`.
    public mutating func judge(_ observations: [HealthObservation], node: String, pool: String, at now: Date) -> [HealthObservation] {
        guard !observations.isEmpty else { return observations }
        var engine = engines[node] ?? HealthPolicyEngine(policy: poolPolicies[pool] ?? policy)
        defer { engines[node] = engine }
        return observations.map { observation in
            let signal: HealthSignal
            switch observation.kind {
            case "xid":
                signal = .xid(code: observation.code, gpuIndex: observation.gpuIndex, message: observation.message, count: max(observation.count, 1))
            case "sxid":
                let fatal = observation.message.localizedCaseInsensitiveContains("non-fatal") ? false : observation.message.contains("Fatal")
                signal = .sxid(code: observation.code, fatal: fatal, message: observation.message, count: max(observation.count, 1))
            default:
                return observation
            }
            let decision = engine.evaluate(signal, at: now)
            var judged = observation
            judged.advice = HealthObservation.Advice(verdict: observation.verdict, action: observation.action, rule: observation.rule)
            judged.verdict = decision.verdict
            judged.action = decision.action
            judged.rule = decision.rule
            return judged
        }
    }

    /// The node health the control plane takes from a report whose observations it judged. When
    /// every observation is one it judged again, the agent cannot make the node worse than
    /// those judgments or the health the node already had (earlier evidence) say; a judgment
    /// worse than the agent's own wins. With an observation only the node can measure (a check,
    /// a metric), or none, the agent's health stands.
    public static func health(reported: HealthStatus, judged: [HealthObservation], current: HealthStatus) -> HealthStatus {
        guard !judged.isEmpty, judged.allSatisfy({ $0.advice != nil }) else { return reported }
        let worstJudged = judged.map(\.verdict).max() ?? .healthy
        return max(worstJudged, min(reported, current))
    }

    /// Forgets a node's occurrence windows (it was terminated).
    public mutating func forget(node: String) {
        engines[node] = nil
    }
}
