import Foundation
import NavarchCore
import NavarchHealth

/// A simulated machine's node agent: its GPUs, whether it can reach the control plane, and its
/// own health view, judged by the same ``NodeHealthState`` the real agent uses.
struct SimulatedAgent: Sendable {
    let machine: Scenario.Machine
    /// Navarch's instance and pool, for a machine a pool provisioned; empty for a fixed one.
    var instanceID = ""
    var pool = ""
    var health: NodeHealthState
    /// Registered and heartbeating.
    var running = false
    /// Cut off from the control plane (a network failure): it runs but is not heard.
    var silent = false

    init(machine: Scenario.Machine, policy: HealthPolicy, instanceID: String = "", pool: String = "") {
        self.machine = machine
        self.instanceID = instanceID
        self.pool = pool
        let model = machine.gpuType.isEmpty ? "NVIDIA H100 80GB HBM3" : machine.gpuType
        let gpus = (0..<machine.gpuCount).map { index in
            GPU(
                index: index, uuid: "GPU-\(machine.id)-\(index)", model: model, pciBusID: Self.pciBusID(slot: 0x18 + index),
                memoryTotalMiB: 81_559, metrics: [GPUMetric.slowdownMarginCelsius: 20])
        }
        health = NodeHealthState(gpus: gpus, policy: policy)
    }

    /// `0000:1a:00.0` for slot 0x1a (the form NVML gives).
    static func pciBusID(slot: Int) -> String {
        let hex = String(slot, radix: 16)
        return "0000:\(hex.count < 2 ? "0" + hex : hex):00.0"
    }

    var registration: Registration {
        var labels = machine.labels
        for (key, value) in [("provider", machine.provider), ("region", machine.region), ("zone", machine.zone), ("instance_type", machine.instanceType)]
        where !value.isEmpty {
            labels[key] = value
        }
        var registration = Registration(
            nodeID: machine.id, instanceID: instanceID, pool: pool, hostname: machine.id, agentVersion: "simulated", gpus: health.gpus, labels: labels,
            health: health.health, healthReason: health.reason)
        // Simulated machines are enrolled as a trusted tool would: they hold no credentials.
        registration.caller = .admin
        return registration
    }

    /// Heard from: running and not cut off.
    var reachable: Bool { running && !silent }

    /// The observation a failure of `type` makes on this node at `time`, as the real agent
    /// would report it; nil for failures the agent does not see (network silence).
    mutating func fail(_ type: Scenario.FailureType, xid: Int?, gpu: Int, message: String, at time: Date) -> [HealthObservation] {
        switch type {
        case .xidError:
            return [health.applyNVMLXID(code: xid ?? 79, gpuIndex: gpu, at: time)]
        case .memoryError:
            return [health.applyNVMLXID(code: xid ?? 48, gpuIndex: gpu, at: time)]
        case .nvlinkError:
            return [health.applyNVMLXID(code: xid ?? 74, gpuIndex: gpu, at: time)]
        case .temperature:
            return setSlowdownMargin(gpu: gpu, to: 1, at: time)
        case .backendError, .nvmlFailure:
            return [health.apply(check: "nvml", status: .fail, gpuIndex: nil, message: message.isEmpty ? "NVML stopped answering" : message, at: time)]
        case .bootFailure:
            return [health.apply(check: "boot", status: .fail, gpuIndex: gpu, message: message.isEmpty ? "boot check failed" : message, at: time)]
        case .network:
            silent = true
            return []
        }
    }

    /// The hardware recovers from a failure of `type`: metrics come back and the network
    /// returns; verdicts from events stay until a repair, as on a real node.
    mutating func recover(_ type: Scenario.FailureType, gpu: Int, at time: Date) -> [HealthObservation] {
        switch type {
        case .temperature: return setSlowdownMargin(gpu: gpu, to: 20, at: time)
        case .network:
            silent = false
            return []
        default: return []
        }
    }

    private mutating func setSlowdownMargin(gpu: Int, to margin: Double, at time: Date) -> [HealthObservation] {
        let samples = health.gpus.map { sample -> GPU in
            var sample = sample
            if sample.index == gpu { sample.metrics[GPUMetric.slowdownMarginCelsius] = margin }
            return sample
        }
        return health.refresh(samples, at: time)
    }
}
