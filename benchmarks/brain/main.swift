import Foundation
import NavarchCore

// Fleet-brain throughput on one thread for fleets of 10,000 and 100,000 nodes: inputs per
// second through FleetBrain exactly as the control plane feeds them (begin, the input, end),
// with the records and effects each produces. Run a release build:
//   swift build -c release --product navarch-brain-bench && .build/release/navarch-brain-bench
// Prints one JSON line per fleet size.

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

let arguments = CommandLine.arguments.dropFirst()
let sizes = arguments.isEmpty ? [10_000, 100_000] : arguments.compactMap(Int.init)
let start = Date(timeIntervalSince1970: 1_800_000_000)
let gpus = (0..<8).map { index in
    GPU(index: index, uuid: "GPU-\(index)", model: "NVIDIA H100 80GB HBM3", pciBusID: "00000000:\(18 + index):00.0", memoryTotalMiB: 81_559)
}

for size in sizes {
    let pools = max(size / 1_000, 1)
    var policy = FleetPolicy()
    policy.heartbeatInterval = .seconds(10)
    // A tenth of the fleet going silent is an outage the breakers would stop; here it is measured.
    policy.circuitBreaker.unhealthyShare = 1
    var brain = FleetBrain(
        policy: policy, providers: [ProviderTraits(name: "fake")], scheduler: PriorityScheduler(), remediator: RepairBeforeReplace(),
        ids: .seeded(1), now: start)
    var records = 0, effects = 0
    func input(at time: Date, _ body: (inout FleetBrain) throws -> Void) throws {
        _ = brain.begin(at: time)
        try body(&brain)
        let transition = brain.end()
        records += transition.records.count
        effects += transition.effects.count
    }
    for pool in 0..<pools {
        try input(at: start) { _ = try $0.createPool(name: "pool-\(pool)", provider: "fake", gpuType: "h100", gpus: 8) }
    }
    var nodeIDs: [String] = []
    nodeIDs.reserveCapacity(size)
    for index in 0..<size { nodeIDs.append("pool-\(index % pools)-\(index / pools)") }

    // Registrations: each node registers with its 8 GPUs (a node, its heartbeat deadline, an event).
    records = 0
    let registration = try seconds {
        for (index, nodeID) in nodeIDs.enumerated() {
            try input(at: start) {
                _ = try $0.register(Registration(nodeID: nodeID, pool: "pool-\(index % pools)", hostname: nodeID, agentVersion: "bench", gpus: gpus))
            }
        }
    }
    let registrationRecords = records

    // Heartbeats: every node heartbeats 10 times, 1 s apart in fleet time.
    let rounds = 10
    let heartbeat = try seconds {
        for round in 1...rounds {
            let now = start.addingTimeInterval(Double(round))
            for nodeID in nodeIDs { try input(at: now) { try $0.heartbeat(nodeID: nodeID, gpus: []) } }
        }
    }

    // Health reports: 1% of the nodes report XID 48 on GPU 0 (cordon, drain, GPU reset asked).
    records = 0
    effects = 0
    let reported = stride(from: 0, to: size, by: 100).map { nodeIDs[$0] }
    let reportTime = start.addingTimeInterval(Double(rounds))
    let observation = HealthObservation(
        kind: "xid", code: 48, gpuIndex: 0, verdict: .unhealthy, message: "DBE (double bit error) ECC error", time: reportTime,
        action: .resetGPU, rule: "xid-48")
    let reports = try seconds {
        for nodeID in reported {
            try input(at: reportTime) {
                try $0.reportHealth(nodeID: nodeID, health: .unhealthy, reason: "XID 48", observations: [observation], gpus: [])
            }
        }
    }
    let reportRecords = records, reportEffects = effects

    // Deadline passes: a tenth of the fleet falls silent; the check runs every second of fleet
    // time for a minute, finds each silent node once and marks it unhealthy.
    for (index, nodeID) in nodeIDs.enumerated() where index % 10 != 0 {
        try input(at: reportTime) { try $0.heartbeat(nodeID: nodeID, gpus: []) }
        try input(at: start.addingTimeInterval(Double(rounds + 60))) { try $0.heartbeat(nodeID: nodeID, gpus: []) }
    }
    records = 0
    let deadlines = try seconds {
        for second in 0..<60 {
            try input(at: start.addingTimeInterval(Double(rounds + second))) { $0.checkHeartbeats() }
        }
    }
    let silent = brain.listNodes(pool: nil).filter { $0.healthReason.hasPrefix("no heartbeat") }.count

    let line: [String: Any] = [
        "date": String(ISO8601DateFormatter().string(from: Date()).prefix(10)), "benchmark": "fleet-brain", "nodes": size, "pools": pools,
        "registrations_per_s": Int(Double(size) / registration), "records_per_registration": Double(registrationRecords) / Double(size),
        "heartbeats_per_s": Int(Double(size * rounds) / heartbeat),
        "health_reports_per_s": Int(Double(reported.count) / reports), "records_per_report": Double(reportRecords) / Double(reported.count),
        "effects_per_report": Double(reportEffects) / Double(reported.count),
        "silent_nodes_marked": silent, "silent_nodes_marked_per_s": Int(Double(silent) / deadlines),
    ]
    let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}
