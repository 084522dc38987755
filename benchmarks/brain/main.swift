import Foundation
import NavarchCore

// Decision-core throughput on one thread for fleets of 10,000 and 100,000 nodes: how many
// heartbeats, deadline passes, registrations and remediation decisions per second the fleet
// state and its planners take. Run a release build:
//   swift build -c release --product navarch-brain-bench && .build/release/navarch-brain-bench
// Prints one JSON line per fleet size.

func seconds(_ body: () -> Void) -> Double {
    let start = ContinuousClock.now
    body()
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
    var state = FleetState(settings: .init(repairTimeout: .seconds(900), heartbeatInterval: .seconds(10), missedHeartbeatsBeforeUnhealthy: 3))
    var ids = IdentifierGenerator.seeded(1)
    var nodeIDs: [String] = []
    nodeIDs.reserveCapacity(size)

    // Registrations: an instance and its node into the state, with a heartbeat deadline.
    let registration = seconds {
        for index in 0..<size {
            let pool = "pool-\(index % pools)"
            let nodeID = "\(pool)-\(index / pools)"
            let instance = Instance(id: ids.instanceID(), pool: pool, provider: "fake", state: .running, nodeID: nodeID, instanceType: "h100", createdAt: start)
            state.upsert(instance)
            var node = Node(id: nodeID, pool: pool, instanceID: instance.id, provider: "fake", state: .active, health: .healthy, gpus: gpus, registeredAt: start)
            node.lastHeartbeat = start
            state.upsert(node)
            state.heartbeats.watch(nodeID, at: start)
            nodeIDs.append(nodeID)
        }
    }

    // Heartbeats: every node heartbeats 10 times, 1 s apart in fleet time.
    let rounds = 10
    let heartbeat = seconds {
        for round in 1...rounds {
            let now = start.addingTimeInterval(Double(round))
            for nodeID in nodeIDs { state.heard(from: nodeID, at: now, gpus: []) }
        }
    }

    // Deadline passes: a tenth of the fleet falls silent; the check runs every second of fleet
    // time for a minute and finds each silent node once.
    var silent = 0
    for (index, nodeID) in nodeIDs.enumerated() where index % 10 != 0 {
        state.heard(from: nodeID, at: start.addingTimeInterval(Double(rounds + 60)), gpus: [])
    }
    let deadlines = seconds {
        for second in 0..<60 {
            silent += state.heartbeats.expired(at: start.addingTimeInterval(Double(rounds + second))).count
            _ = state.nextDeadline()
        }
    }

    // Remediation decisions: one per node, with the pool's count of nodes under way (an index).
    let planner = RemediationPlanner(silenceGrace: .seconds(30), maxConcurrent: 2, repairTimeout: .seconds(900), answeringWithin: .seconds(20))
    let step = RemediationStep(action: .resetGPU, reason: "XID 48")
    let cause = NodeRemediation.Cause(requested: .resetGPU, reason: "XID 48", gpuIndex: 0)
    var repairs = 0
    let decisions = seconds {
        for nodeID in nodeIDs {
            guard let node = state.nodes[nodeID] else { continue }
            let decision = planner.decide(
                step, cause: cause, pool: node.pool, waiting: nil, underWay: state.remediationsUnderWay(pool: node.pool, excluding: node.id),
                openBreaker: nil, now: start)
            if case .repair = decision { repairs += 1 }
        }
    }

    let line: [String: Any] = [
        "date": ISO8601DateFormatter().string(from: Date()).prefix(10), "benchmark": "brain", "nodes": size, "pools": pools,
        "registrations_per_s": Int(Double(size) / registration), "heartbeats_per_s": Int(Double(size * rounds) / heartbeat),
        "deadline_checks_per_s": Int(60 / deadlines), "silent_found": silent, "silent_found_per_s": Int(Double(silent) / deadlines),
        "remediation_decisions_per_s": Int(Double(size) / decisions), "repairs_decided": repairs,
    ]
    let data = try JSONSerialization.data(withJSONObject: line.mapValues { value -> Any in (value as? Substring).map(String.init) ?? value }, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}
