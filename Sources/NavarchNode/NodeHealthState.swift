import Foundation
import NavarchCore
import NavarchHealth

/// The node's own view of its health, built from kernel-log records. Pure: it turns a record
/// and the time into an observation and the node's new verdict.
///
/// A verdict only gets worse: a GPU that fell off the bus stays bad until the machine is
/// repaired or replaced, so the worst verdict seen is the node's health.
public struct NodeHealthState: Sendable {
    public private(set) var gpus: [GPU]
    public private(set) var health: HealthStatus = .healthy
    public private(set) var reason = ""
    private let classifier: XIDClassifier
    private var gpuByAddress: [String: Int] = [:]

    public init(gpus: [GPU], classifier: XIDClassifier = XIDClassifier()) {
        self.gpus = gpus
        self.classifier = classifier
        for gpu in gpus {
            if let address = PCIAddress.normalize(gpu.pciBusID) { gpuByAddress[address] = gpu.index }
        }
    }

    /// Replaces the GPU metrics, keeping the health verdicts.
    public mutating func refresh(_ samples: [GPU]) {
        for sample in samples {
            guard let position = gpus.firstIndex(where: { $0.index == sample.index }) else { continue }
            let health = gpus[position].health, reason = gpus[position].healthReason
            gpus[position] = sample
            gpus[position].health = health
            gpus[position].healthReason = reason
        }
    }

    /// Applies a kernel-log record; returns the observation to report, if any.
    public mutating func apply(_ record: KernelLogRecord, at time: Date) -> HealthObservation? {
        switch record {
        case .gpuAddress(let address, let uuid):
            if let index = gpus.firstIndex(where: { $0.uuid == uuid }) { gpuByAddress[address] = gpus[index].index }
            return nil
        case .xid(let xid):
            let meaning = classifier.meaning(of: xid.code)
            return observe(kind: "xid", record: xid, verdict: meaning.verdict, summary: meaning.summary, at: time)
        case .sxid(let sxid):
            let meaning = classifier.meaningOfSXID(sxid)
            return observe(kind: "sxid", record: sxid, verdict: meaning.verdict, summary: meaning.summary, at: time)
        }
    }

    private mutating func observe(kind: String, record: XIDRecord, verdict: HealthStatus, summary: String, at time: Date) -> HealthObservation {
        let gpuIndex = kind == "xid" ? gpuByAddress[record.pciAddress] : nil
        let target = gpuIndex.map { "GPU \($0)" } ?? "PCI \(record.pciAddress)"
        let detail = "\(kind.uppercased()) \(record.code) on \(target): \(summary)"
        if verdict > health || (verdict == health && verdict != .healthy && reason.isEmpty) {
            health = verdict
            reason = detail
        }
        if let gpuIndex, let position = gpus.firstIndex(where: { $0.index == gpuIndex }), verdict > gpus[position].health {
            gpus[position].health = verdict
            gpus[position].healthReason = detail
        }
        return HealthObservation(
            kind: kind, code: record.code, pciAddress: record.pciAddress, gpuIndex: gpuIndex, verdict: verdict,
            message: record.message.isEmpty ? summary : record.message, time: time)
    }
}
