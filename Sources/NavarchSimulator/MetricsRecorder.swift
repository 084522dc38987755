import Foundation
import NavarchCore

/// Keeps a run's figures as it goes, in time with the world: GPUs in service and paid for as
/// exact integrals over virtual time, the open failures per node (to time their detection and
/// their mending), and what the brain's events say of the ladder and the breakers.
struct MetricsRecorder: Sendable {
    struct OpenFailure: Sendable {
        var at: Double
        var detected: Bool
    }

    private(set) var healthyGPUs = TimeIntegral()
    private(set) var paidGPUs = TimeIntegral()
    private var gpuHoursByProvider: [String: TimeIntegral] = [:]
    private var costByProvider: [String: TimeIntegral] = [:]
    /// GPUs each node counts as healthy now.
    private var serving: [String: Int] = [:]
    private(set) var openFailures: [String: OpenFailure] = [:]
    private var detection: [Double] = []
    private var mending: [Double] = []
    private var absorbed = 0
    /// Replacement nodes already counted as a replacement that served.
    private var servedReplacements: Set<String> = []
    private(set) var metrics = SimulationMetrics()

    init(sampleInterval: Double) { metrics.sampleInterval = sampleInterval }

    // MARK: - Machines

    /// A machine starts being paid for.
    mutating func machineStarted(provider: String, gpus: Int, hourlyUSD: Double, at time: Double) {
        paidGPUs.add(Double(gpus), at: time)
        gpuHoursByProvider[provider, default: TimeIntegral()].add(Double(gpus), at: time)
        costByProvider[provider, default: TimeIntegral()].add(hourlyUSD, at: time)
    }

    mutating func machineStopped(provider: String, gpus: Int, hourlyUSD: Double, at time: Double) {
        machineStarted(provider: provider, gpus: -gpus, hourlyUSD: -hourlyUSD, at: time)
    }

    // MARK: - Failures and service

    /// A failure of `kind` (a failure type, or `spot_preemption`) on a node.
    mutating func failed(_ nodeID: String, kind: String, at time: Double) {
        metrics.failures[kind, default: 0] += 1
        if openFailures[nodeID] == nil { openFailures[nodeID] = OpenFailure(at: time, detected: false) }
    }

    /// A node's standing now: in service or not, and (for a node that just came into service)
    /// the instance it replaces.
    mutating func observe(_ nodeID: String, gpusServing: Int, inService: Bool, replacing replacedNodeID: String?, at time: Double) {
        let before = serving[nodeID] ?? 0
        if gpusServing != before {
            healthyGPUs.add(Double(gpusServing - before), at: time)
            serving[nodeID] = gpusServing == 0 ? nil : gpusServing
        }
        if var open = openFailures[nodeID] {
            if !open.detected && !inService {
                detection.append(time - open.at)
                open.detected = true
                openFailures[nodeID] = open
            } else if gpusServing > 0 {
                if open.detected { mending.append(time - open.at) } else { absorbed += 1 }
                openFailures[nodeID] = nil
            }
        }
        if gpusServing > 0 && before == 0, let replacedNodeID, servedReplacements.insert(nodeID).inserted {
            metrics.repairs["replace", default: .init()].succeeded += 1
            if let open = openFailures[replacedNodeID], open.detected {
                mending.append(time - open.at)
                openFailures[replacedNodeID] = nil
            }
        }
    }

    /// A node that is gone for good and replaced by none: its failure can no longer be mended here.
    mutating func forget(_ nodeID: String, at time: Double) {
        observe(nodeID, gpusServing: 0, inService: false, replacing: nil, at: time)
    }

    // MARK: - The brain's events

    mutating func note(_ event: FleetEvent) {
        switch event.kind {
        case "remediation.reset_gpu": metrics.repairs["reset_gpu", default: .init()].requested += 1
        case "remediation.reboot": metrics.repairs["reboot", default: .init()].requested += 1
        case "remediation.replace": metrics.repairs["replace", default: .init()].requested += 1
        case "remediation.validated":
            metrics.repairs[event.attributes["action"] ?? "unknown", default: .init()].succeeded += 1
        case "remediation.validation_failed":
            metrics.repairs[event.attributes["action"] ?? "unknown", default: .init()].failed += 1
        case "breaker.opened": metrics.breakerTrips += 1
        default: break
        }
    }

    // MARK: - Samples and the end

    mutating func sample(at time: Double, nodes: Int, outOfService: Int) {
        metrics.samples.append(.init(at: time, healthyGPUs: Int(healthyGPUs.value), paidGPUs: Int(paidGPUs.value), nodes: nodes, outOfService: outOfService))
    }

    func finished(at time: Double, calls: [String: ProviderCalls]) -> SimulationMetrics {
        var result = metrics
        result.detectionToCordon = Distribution(detection)
        result.failureToHealthy = Distribution(mending)
        result.failuresAbsorbed = absorbed
        result.failuresOpen = openFailures.count
        for name in Set(calls.keys).union(gpuHoursByProvider.keys).sorted() {
            result.providers[name] = .init(
                calls: calls[name] ?? .init(),
                gpuHours: Self.rounded((gpuHoursByProvider[name]?.total(at: time) ?? 0) / 3600),
                costUSD: Self.rounded((costByProvider[name]?.total(at: time) ?? 0) / 3600))
        }
        result.healthyGPUHours = Self.rounded(healthyGPUs.total(at: time) / 3600)
        result.paidGPUHours = Self.rounded(paidGPUs.total(at: time) / 3600)
        result.costUSD = Self.rounded(result.providers.values.reduce(0) { $0 + $1.costUSD })
        result.goodput = result.paidGPUHours > 0 ? Self.rounded(result.healthyGPUHours / result.paidGPUHours, places: 4) : 0
        return result
    }

    /// Figures in the report carry no more digits than they mean, so that its bytes do not
    /// depend on the order floating-point sums were taken in.
    static func rounded(_ value: Double, places: Int = 2) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }
}
