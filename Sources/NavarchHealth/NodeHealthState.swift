import Foundation
import NavarchCore

/// The node's own view of its health. Pure: kernel-log records, check results and metric
/// samples go in with the time; observations to report and the node's verdict come out. The
/// health policy decides every verdict.
///
/// Verdicts from events (XIDs, SXids, failed checks) stick: a GPU that fell off the bus stays
/// bad until the machine is repaired or replaced. Verdicts from metrics describe the present and
/// clear when the metric comes back within bounds. The node's health is the worst of both.
public struct NodeHealthState: Sendable {
    public private(set) var gpus: [GPU]
    public private(set) var health: HealthStatus = .healthy
    public private(set) var reason = ""
    public private(set) var engine: HealthPolicyEngine
    private var gpuByAddress: [String: Int] = [:]
    /// Worst event decision per GPU index; `nodeKey` for node-wide ones.
    private var eventDecisions: [Int: HealthDecision] = [:]
    /// Current metric decision per GPU index (only those that fired).
    private var metricDecisions: [Int: HealthDecision] = [:]
    private static let nodeKey = -1

    public init(gpus: [GPU], policy: HealthPolicy = .builtin) {
        self.gpus = gpus
        self.engine = HealthPolicyEngine(policy: policy)
        for gpu in gpus {
            if let address = PCIAddress.normalize(gpu.pciBusID) { gpuByAddress[address] = gpu.index }
        }
        recompute()
    }

    public var policy: HealthPolicy { engine.policy }

    /// Switches to another policy (the control plane's). Verdicts already given stay.
    public mutating func setPolicy(_ policy: HealthPolicy) {
        guard policy != engine.policy else { return }
        engine = HealthPolicyEngine(policy: policy, catalog: engine.catalog)
    }

    /// Takes new GPU samples and judges their metrics; returns an observation for every GPU whose
    /// metric verdict changed (a rule fired, or stopped firing).
    public mutating func refresh(_ samples: [GPU], at time: Date) -> [HealthObservation] {
        var observations: [HealthObservation] = []
        for sample in samples {
            guard let position = gpus.firstIndex(where: { $0.index == sample.index }) else { continue }
            let health = gpus[position].health, reason = gpus[position].healthReason
            gpus[position] = sample
            gpus[position].health = health
            gpus[position].healthReason = reason
            let decision = engine.evaluate(metrics: sample.metrics, gpuIndex: sample.index)
            let previous = metricDecisions[sample.index]
            if decision.rule.isEmpty {
                metricDecisions[sample.index] = nil
                if let previous {
                    observations.append(HealthObservation(
                        kind: "metric", code: 0, pciAddress: sample.pciBusID, gpuIndex: sample.index, verdict: .healthy,
                        message: "back within bounds: \(previous.rule)", time: time, rule: previous.rule))
                }
            } else {
                metricDecisions[sample.index] = decision
                if previous?.rule != decision.rule || previous?.verdict != decision.verdict {
                    observations.append(HealthObservation(
                        kind: "metric", code: 0, pciAddress: sample.pciBusID, gpuIndex: sample.index, verdict: decision.verdict,
                        message: decision.explanation, time: time, action: decision.action, rule: decision.rule))
                }
            }
        }
        recompute()
        return observations
    }

    /// Applies a kernel-log record; returns the observation to report, if any.
    public mutating func apply(_ record: KernelLogRecord, at time: Date) -> HealthObservation? {
        switch record {
        case .gpuAddress(let address, let uuid):
            if let index = gpus.firstIndex(where: { $0.uuid == uuid }) { gpuByAddress[address] = gpus[index].index }
            return nil
        case .xid(let xid):
            let gpuIndex = gpuByAddress[xid.pciAddress]
            let decision = engine.evaluate(.xid(code: xid.code, gpuIndex: gpuIndex, message: xid.message, count: 1), at: time)
            return decided(decision, kind: "xid", code: xid.code, pciAddress: xid.pciAddress, message: xid.message, at: time)
        case .sxid(let sxid):
            let fatal = sxid.message.localizedCaseInsensitiveContains("non-fatal") ? false : sxid.message.contains("Fatal")
            let decision = engine.evaluate(.sxid(code: sxid.code, fatal: fatal, message: sxid.message, count: 1), at: time)
            return decided(decision, kind: "sxid", code: sxid.code, pciAddress: sxid.pciAddress, message: sxid.message, at: time)
        }
    }

    /// Applies an XID reported by NVML's event API (it carries the GPU, not a PCI address).
    public mutating func applyNVMLXID(code: Int, gpuIndex: Int, at time: Date) -> HealthObservation {
        let decision = engine.evaluate(.xid(code: code, gpuIndex: gpuIndex, message: "", count: 1), at: time)
        let address = gpus.first { $0.index == gpuIndex }?.pciBusID ?? ""
        return decided(decision, kind: "xid", code: code, pciAddress: address, message: "reported by NVML", at: time)
    }

    /// Applies the result of a check (boot check, DCGM health watch, diagnostic).
    public mutating func apply(check name: String, status: CheckStatus, gpuIndex: Int?, message: String, at time: Date) -> HealthObservation {
        let decision = engine.evaluate(.check(name: name, status: status, gpuIndex: gpuIndex, message: message), at: time)
        var observation = decided(decision, kind: "check", code: 0, pciAddress: "", message: "\(name) \(status.rawValue)\(message.isEmpty ? "" : ": \(message)")", at: time)
        observation.gpuIndex = gpuIndex
        return observation
    }

    private mutating func decided(
        _ decision: HealthDecision, kind: String, code: Int, pciAddress: String, message: String, at time: Date
    ) -> HealthObservation {
        if decision.verdict != .healthy {
            let key = decision.gpuIndex ?? Self.nodeKey
            if let current = eventDecisions[key], !HealthPolicyEngine.isWorse(decision, than: current) {
                // Already at least this bad.
            } else {
                eventDecisions[key] = decision
            }
            recompute()
        }
        return HealthObservation(
            kind: kind, code: code, pciAddress: pciAddress, gpuIndex: decision.gpuIndex, verdict: decision.verdict,
            message: message.isEmpty ? decision.explanation : "\(message) [\(decision.explanation)]", time: time,
            action: decision.action, rule: decision.rule)
    }

    /// A repair ran (a GPU reset when `gpuIndex` is given, else a reboot): the verdicts from
    /// events on what was repaired are forgotten. What is still wrong shows again in the checks
    /// that follow.
    public mutating func repaired(gpuIndex: Int?) {
        if let gpuIndex {
            eventDecisions[gpuIndex] = nil
        } else {
            eventDecisions = [:]
            metricDecisions = [:]
        }
        recompute()
    }

    /// The worst decision for the node and for each GPU.
    private mutating func recompute() {
        var worst: HealthDecision? = nil
        for position in gpus.indices {
            let index = gpus[position].index
            let candidates = [eventDecisions[index], metricDecisions[index]].compactMap { $0 }
            let gpuWorst = candidates.reduce(nil as HealthDecision?) { best, next in
                best.map { HealthPolicyEngine.isWorse(next, than: $0) ? next : $0 } ?? next
            }
            gpus[position].health = gpuWorst?.verdict ?? .healthy
            gpus[position].healthReason = gpuWorst.map { "\($0.explanation)" } ?? ""
        }
        let all = Array(eventDecisions.values) + Array(metricDecisions.values)
        for decision in all.sorted(by: { ($0.gpuIndex ?? -1) < ($1.gpuIndex ?? -1) }) {
            if worst == nil || HealthPolicyEngine.isWorse(decision, than: worst!) { worst = decision }
        }
        health = worst?.verdict ?? .healthy
        reason = worst.map { decision in
            let target = decision.gpuIndex.map { "GPU \($0)" } ?? "node"
            return "\(target): \(decision.explanation) (rule \(decision.rule), action \(decision.action.rawValue))"
        } ?? ""
    }
}
