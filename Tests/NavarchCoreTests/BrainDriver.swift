import Foundation
import NavarchCore
import NavarchTesting

/// Feeds the fleet brain as the control plane does, without I/O: each input's records are
/// committed to a ``StoredFleet``, and a control plane killed at a commit is played by
/// restarting a brain from what was stored.
struct BrainDriver {
    /// The control plane was killed: before its commit was stored, or after it was stored but
    /// before the caller got the answer.
    struct Killed: Error {}
    enum Crash { case beforeCommit, afterCommit }

    let policy: FleetPolicy
    let providers: [ProviderTraits]
    let remediator: any Remediator
    var brain: FleetBrain
    var store = StoredFleet()
    var now = Date(timeIntervalSince1970: 1_800_000_000)
    /// What each input produced, in order.
    var transitions: [FleetTransition] = []
    /// Kill the control plane at the commit after this many more.
    var crash: (after: Int, how: Crash)?

    init(policy: FleetPolicy = FleetPolicy(), providers: [String] = ["fake"], remediator: any Remediator = RepairBeforeReplace()) {
        self.policy = policy
        self.providers = providers.map { ProviderTraits(name: $0) }
        self.remediator = remediator
        brain = FleetBrain(policy: policy, providers: self.providers, scheduler: PriorityScheduler(), remediator: remediator, ids: .seeded(7), now: now)
    }

    @discardableResult
    mutating func input<T>(_ body: (inout FleetBrain) throws -> T) throws -> T {
        let (value, transition, _) = try brain.run(at: now, body)
        if !transition.records.isEmpty {
            if let crash {
                if crash.after == 0 {
                    self.crash = nil
                    if crash.how == .afterCommit { store.commit(transition.records) }
                    throw Killed()
                }
                self.crash = (crash.after - 1, crash.how)
            }
            store.commit(transition.records)
        }
        transitions.append(transition)
        if let failure = transition.failure { throw failure }
        return value
    }

    /// A new control plane on what was stored.
    mutating func restart() throws {
        brain = FleetBrain(policy: policy, providers: providers, scheduler: PriorityScheduler(), remediator: remediator, ids: .seeded(UInt64(store.commits) + 100), now: now)
        try brain.load(store.snapshot, at: now)
    }

    mutating func advance(_ seconds: TimeInterval) { now = now.addingTimeInterval(seconds) }

    /// The events of the last input, by kind.
    var lastEvents: [String] { transitions.last?.events.map(\.kind) ?? [] }

    /// The commands the last input delivered, by kind.
    var lastCommands: [NodeCommand.Kind] {
        (transitions.last?.effects ?? []).compactMap { if case .deliver(let command) = $0 { command.kind } else { nil } }
    }

    /// Creates a pool and brings its machines up: the provider calls succeed and each node
    /// registers healthy. Returns the node ids.
    @discardableResult
    mutating func runningPool(_ name: String, nodes: Int, provider: String = "fake") throws -> [String] {
        try input { _ = try $0.createPool(name: name, provider: provider, gpuType: "h100", gpus: nodes * 8) }
        var ids: [String] = []
        for operation in try input({ $0.reconcile() }) {
            guard case .provision(let request, _) = operation else { continue }
            try bringUp(request)
            ids.append(request.nodeID)
        }
        return ids
    }

    /// The provider makes the machine and its agent registers healthy.
    mutating func bringUp(_ request: ProvisionRequest) throws {
        try input { try $0.provisionStarted(instanceID: request.instanceID) }
        let machine = ProvisionedInstance(instanceID: request.instanceID, providerInstanceID: "m-\(request.nodeID)", nodeID: request.nodeID, pool: request.pool)
        try input { try $0.provisionFinished(instanceID: request.instanceID, result: .success(machine)) }
        try input { _ = try $0.register(Self.registration(request.nodeID, instance: request.instanceID, pool: request.pool)) }
    }

    /// The agent runs the node's oldest pending command and acknowledges it; false when none is pending.
    mutating func agentAcknowledges(_ nodeID: String, success: Bool = true) throws -> Bool {
        guard let command = brain.pendingCommands(for: nodeID).first else { return false }
        try input { try $0.acknowledge(nodeID: nodeID, commandID: command.id, success: success, message: "done") }
        return true
    }

    static let gpus = (0..<8).map { GPU(index: $0, uuid: "GPU-\($0)", model: "NVIDIA H100 80GB HBM3", pciBusID: "0000:\(18 + $0):00.0", memoryTotalMiB: 81_559) }

    static func registration(_ nodeID: String, instance: String = "", pool: String = "p") -> Registration {
        var registration = Registration(nodeID: nodeID, instanceID: instance, pool: pool, hostname: nodeID, agentVersion: "test", gpus: gpus)
        registration.caller = .admin
        return registration
    }

    static func xid(_ code: Int, gpu: Int, action: HealthAction, at time: Date) -> HealthObservation {
        HealthObservation(kind: "xid", code: code, gpuIndex: gpu, verdict: .unhealthy, message: "Xid \(code)", time: time, action: action, rule: "xid-\(code)")
    }
}
