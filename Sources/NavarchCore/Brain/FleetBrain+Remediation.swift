import Foundation

extension FleetBrain {
    /// Carries out a remediator's answer for a node: alerts and cordons at once; repairs and
    /// replacements through the node's ladder, the pool's concurrency limit and the breakers.
    mutating func execute(_ action: RemediationAction, on nodeID: String, cause: NodeRemediation.Cause) throws {
        guard let node = nodes[nodeID], node.state != .terminated else { return }
        switch action {
        case .none:
            return
        case .alert:
            record("remediation.alert", cause.reason, node: node.id, instance: node.instanceID, pool: node.pool, attributes: cause.auditAttributes())
        case .cordon:
            try cordonForRemediation(nodeID, reason: cause.reason)
        case .resetGPU, .reboot, .cordonAndReplace:
            try cordonForRemediation(nodeID, reason: cause.reason)
            guard let current = nodes[nodeID] else { return }
            // A repair under way is validated (or times out) before anything else is decided;
            // a node already being replaced needs nothing more.
            if current.remediation?.repair != nil { return }
            if let instance = instances[current.instanceID], instance.condemned { return }
            let ladder = RemediationLadder(limits: policy.remediationLimits, history: current.remediation?.history ?? [])
            let step = ladder.next(requested: action.ladderRung ?? .replace, gpuIndex: cause.gpuIndex, now: now)
            try perform(step, on: nodeID, cause: cause)
        }
    }

    /// Takes a node out of service for remediation (cordoning goes on whatever the breakers say).
    mutating func cordonForRemediation(_ nodeID: String, reason: String) throws {
        guard let node = nodes[nodeID], NodeLifecycle.allows(.cordon, in: node.state), node.state != .cordoned else { return }
        try transition(nodeID: node.id, on: .cordon, reason: reason) { $0.cordonReason = reason }
        send(.cordon, to: node.id, reason: reason)
    }

    /// The planner that turns ladder steps into what happens now (``RemediationPlanner``).
    var remediationPlanner: RemediationPlanner {
        RemediationPlanner(
            silenceGrace: policy.effectiveSilenceGrace, maxConcurrent: policy.maxConcurrentRemediations,
            repairTimeout: policy.repairTimeout, answeringWithin: policy.heartbeatInterval * 2)
    }

    /// Takes the step the ladder chose, as ``RemediationPlanner`` decides: at once, or parked
    /// (the pool has too many nodes in remediation, the node is silent and its grace has not
    /// passed, or a breaker holds replacements).
    mutating func perform(_ step: RemediationStep, on nodeID: String, cause: NodeRemediation.Cause) throws {
        guard let node = nodes[nodeID] else { return }
        let decision = remediationPlanner.decide(
            step, cause: cause, pool: node.pool, waiting: node.remediation?.waiting?.reason,
            underWay: remediationsUnderWay(pool: node.pool, excluding: node.id), openBreaker: openBreaker(forPool: node.pool), now: now)
        switch decision {
        case .nothing:
            return
        case .alert(let message):
            record("remediation.alert", message, node: node.id, instance: node.instanceID, pool: node.pool, attributes: cause.auditAttributes())
        case .repair(let step):
            try startRepair(step, on: nodeID, cause: cause)
        case .replace(let step):
            try requestReplacement(nodeID, step: step, cause: cause)
        case .wait(let reason, let until, let message):
            try wait(nodeID, cause: cause, reason: reason, until: until, message: message)
        }
    }

    /// Nodes of `pool` being repaired or replaced (an index, not a scan).
    func remediationsUnderWay(pool: String, excluding nodeID: String) -> Int {
        state.remediationsUnderWay(pool: pool, excluding: nodeID)
    }

    /// Parks a remediation with the reason it waits.
    mutating func wait(_ nodeID: String, cause: NodeRemediation.Cause, reason: NodeRemediation.Waiting.Reason, until: Date, message: String) throws {
        guard var node = nodes[nodeID] else { return }
        let previous = node.remediation?.waiting
        var remediation = node.remediation ?? NodeRemediation()
        remediation.waiting = NodeRemediation.Waiting(
            cause: cause, reason: reason, since: previous?.reason == reason ? previous!.since : now, notBefore: until)
        node.remediation = remediation
        save(node)
        if previous?.reason != reason {
            record(
                reason == .breaker ? "remediation.held" : "remediation.waiting", message, node: node.id, instance: node.instanceID,
                pool: node.pool, attributes: cause.auditAttributes(extra: ["waiting": reason.rawValue]))
        }
    }

    /// Looks again at remediations whose wait ended, and at repairs that took too long: only the
    /// nodes whose timer came due (``FleetState`` keeps them), never the whole fleet. Runs with the
    /// heartbeat check.
    mutating func processRemediations() {
        let popped = state.popDueRemediations(at: now)
        journal.append(contentsOf: popped.map(Undo.remediationTimer))
        let due = popped.compactMap { nodes[$0] }
        let planner = remediationPlanner
        for node in due where node.state != .terminated {
            attempt("remediation failed", ["node": node.id]) { brain in
                switch planner.resume(node.remediation, lastHeartbeat: brain.state.heartbeats.lastHeartbeat(of: node.id, at: brain.now), now: brain.now) {
                case .nothing:
                    break
                case .repairTimedOut(let message):
                    try brain.repairValidated(node.id, passed: false, message: message)
                case .cancel(let message):
                    if let cause = node.remediation?.waiting?.cause { brain.clearWaiting(node.id, message: message, cause: cause) }
                case .retry(let cause):
                    let ladder = RemediationLadder(limits: brain.policy.remediationLimits, history: node.remediation?.history ?? [])
                    try brain.perform(ladder.next(requested: cause.requested, gpuIndex: cause.gpuIndex, now: brain.now), on: node.id, cause: cause)
                }
            }
            // A remediation still parked that took no new timer gets its own back (the end of
            // its wait or of its repair's time); one already due is looked at again in a second.
            if let current = nodes[node.id], state.remediationDeadline(of: node.id) == nil {
                state.upsert(current)
                if let due = state.remediationDeadline(of: node.id), due <= now {
                    state.scheduleRemediation(node.id, at: now.addingTimeInterval(1))
                }
            }
        }
    }

    mutating func clearWaiting(_ nodeID: String, message: String, cause: NodeRemediation.Cause) {
        guard var node = nodes[nodeID], node.remediation?.waiting != nil else { return }
        node.remediation?.waiting = nil
        save(node)
        record("remediation.cancelled", message, node: node.id, instance: node.instanceID, pool: node.pool, attributes: cause.auditAttributes())
    }

    /// Condemns the node's instance: the reconciler requests the replacement first (same pool,
    /// so the same provider, region and instance type, failing over as the pool allows) and
    /// terminates the old machine once the new one is healthy.
    mutating func requestReplacement(_ nodeID: String, step: RemediationStep, cause: NodeRemediation.Cause) throws {
        guard var node = nodes[nodeID], let before = instances[node.instanceID], before.state.isLive, !before.condemned else { return }
        var remediation = node.remediation ?? NodeRemediation()
        var ladder = RemediationLadder(limits: policy.remediationLimits, history: remediation.history)
        ladder.record(.replace, gpuIndex: cause.gpuIndex, at: now)
        remediation.history = ladder.history
        remediation.waiting = nil
        node.remediation = remediation
        save(node)
        guard var instance = instances[before.id], instance.state.isLive, !instance.condemned else { return }
        instance.condemned = true
        instance.condemnedReason = cause.reason
        instance.condemnedAt = now
        instance.updatedAt = now
        save(instance)
        record(
            "remediation.replace", "replacement requested: \(cause.reason) (\(step.reason))", node: node.id, instance: instance.id,
            pool: instance.pool, attributes: cause.auditAttributes(extra: ["ladder": step.reason]))
        pending.reconcile = true
    }

    /// Sends a GPU reset or a reboot: the node is drained first (the agent runs commands in
    /// order), then the repair runs, then the node is validated before it goes back.
    mutating func startRepair(_ step: RemediationStep, on nodeID: String, cause: NodeRemediation.Cause) throws {
        guard var node = nodes[nodeID] else { return }
        let gpu = cause.gpuIndex
        var remediation = node.remediation ?? NodeRemediation()
        var ladder = RemediationLadder(limits: policy.remediationLimits, history: remediation.history)
        ladder.record(step.action, gpuIndex: gpu, at: now)
        remediation.history = ladder.history
        remediation.waiting = nil
        remediation.repair = NodeRemediation.Repair(action: step.action, gpuIndex: gpu, commandID: "", startedAt: now, cause: cause)
        node.remediation = remediation
        save(node)
        let what = step.action == .resetGPU ? "GPU \(gpu.map(String.init) ?? "all") reset requested" : "reboot requested"
        record(
            "remediation.\(step.action.rawValue)", "\(what): \(step.reason)", node: nodeID, instance: node.instanceID, pool: node.pool,
            attributes: cause.auditAttributes(extra: ["ladder": step.reason]))
        if let current = nodes[nodeID], [.active, .cordoned].contains(current.state) {
            // The repair command goes once the node is drained.
            try startDrain(nodeID, reason: "\(step.action.rawValue): \(cause.reason)")
        }
        try startPendingRepair(nodeID: nodeID)
    }

    /// A drained (or already unhealthy) node with a repair decided gets the repair command and
    /// moves to `repairing`.
    mutating func startPendingRepair(nodeID: String) throws {
        guard var node = nodes[nodeID], let repair = node.remediation?.repair, NodeLifecycle.allows(.startRepair, in: node.state),
              node.state != .cordoned
        else { return }
        if repair.commandID.isEmpty {
            var parameters: [String: String] = [:]
            if repair.action == .resetGPU, let gpu = repair.gpuIndex { parameters["gpu"] = "\(gpu)" }
            let commandID = send(repair.action == .resetGPU ? .resetGPU : .reboot, to: nodeID, reason: repair.cause.reason, parameters: parameters)
            node.remediation?.repair?.commandID = commandID
            save(node)
        }
        try transition(nodeID: nodeID, on: .startRepair, reason: "\(repair.action.rawValue): \(repair.cause.reason)")
    }

    /// The agent acknowledged a GPU reset or reboot.
    mutating func repairAcknowledged(_ command: NodeCommand, success: Bool, message: String) throws {
        guard var node = nodes[command.nodeID], let repair = node.remediation?.repair, repair.commandID == command.id else { return }
        // The acknowledgement can overtake the drain's: the agent ran the drain first.
        if node.state == .draining { try transition(nodeID: node.id, on: .drainCompleted, reason: "the repair ran, so the node had drained") }
        try startPendingRepair(nodeID: node.id)
        guard success else {
            try repairValidated(node.id, passed: false, message: "\(repair.action.rawValue) failed: \(message)")
            return
        }
        switch repair.action {
        case .reboot:
            // Validated when the agent registers again after the reboot, with its boot checks.
            guard let current = nodes[node.id] else { return }
            node = current
            node.remediation?.repair?.acknowledged = true
            save(node)
        default:
            try validateAfterRepair(node.id, summary: message)
        }
    }

    /// The repair ran and the boot checks passed: a level-1 diagnostic when configured, else done.
    mutating func validateAfterRepair(_ nodeID: String, summary: String) throws {
        guard let node = nodes[nodeID], let repair = node.remediation?.repair else { return }
        if policy.validateRepairsWithDiagnostic {
            if node.state == .repairing { try transition(nodeID: nodeID, on: .repairCompleted, reason: "\(repair.action.rawValue) done; validating") }
            let commandID = send(
                .runDiagnostic, to: nodeID, reason: "validation after \(repair.action.rawValue)",
                parameters: ["suite": "dcgm", "level": "1", "return_to_service": "true", "validation": repair.action.rawValue])
            record(
                "diagnostic.requested", "validation after \(repair.action.rawValue)", node: nodeID, instance: node.instanceID, pool: node.pool,
                attributes: ["suite": "dcgm", "level": "1", "command": commandID])
            return
        }
        try repairValidated(nodeID, passed: true, message: summary)
    }

    /// The outcome of a repair's validation. A pass is the only automatic way an unhealthy node
    /// goes back in service; a failure climbs the ladder.
    mutating func repairValidated(_ nodeID: String, passed: Bool, message: String) throws {
        guard var node = nodes[nodeID], let repair = node.remediation?.repair else { return }
        let what = repair.action == .resetGPU ? "GPU \(repair.gpuIndex.map(String.init) ?? "all") reset" : "reboot"
        node.remediation?.repair = nil
        if passed {
            node.health = .healthy
            node.healthReason = ""
            node.gpus = node.gpus.map { var gpu = $0; if repair.gpuIndex == nil || gpu.index == repair.gpuIndex { gpu.health = .healthy; gpu.healthReason = "" }; return gpu }
            save(node)
            if node.state == .repairing { try transition(nodeID: nodeID, on: .repairCompleted, reason: "\(what) done") }
            if nodes[nodeID]?.state == .diagnosing {
                try transition(nodeID: nodeID, on: .diagnosisPassed, reason: "validated after \(what)") { $0.cordonReason = "" }
            }
            record(
                "remediation.validated", "\(what) validated, back in service: \(message)", node: nodeID, instance: node.instanceID,
                pool: node.pool, attributes: repair.cause.auditAttributes(extra: ["action": repair.action.rawValue]))
            send(.uncordon, to: nodeID, reason: "validated after \(what)")
            try promoteIfReady(nodeID: nodeID)
        } else {
            node.health = .unhealthy
            node.healthReason = message
            save(node)
            if NodeLifecycle.allows(.markUnhealthy, in: node.state) {
                try transition(nodeID: nodeID, on: .markUnhealthy, reason: message)
            } else if node.state == .diagnosing {
                try transition(nodeID: nodeID, on: .diagnosisFailed, reason: message)
            }
            let ladder = RemediationLadder(limits: policy.remediationLimits, history: node.remediation?.history ?? [])
            let step = ladder.validationFailed(after: repair.action, now: now)
            record(
                "remediation.validation_failed", "\(what) did not bring the node back: \(message); next: \(step.action.rawValue)",
                node: nodeID, instance: node.instanceID, pool: node.pool, attributes: repair.cause.auditAttributes(extra: ["action": repair.action.rawValue, "next": step.action.rawValue]))
            var cause = repair.cause
            cause.reason = "\(what) failed validation: \(message)"
            try perform(step, on: nodeID, cause: cause)
        }
    }

    /// The node registered again; if it was rebooting for a repair, that registration (with its
    /// boot checks) is the validation.
    mutating func rebootedNodeRegistered(_ nodeID: String) throws -> Bool {
        guard let node = nodes[nodeID], let repair = node.remediation?.repair, repair.action == .reboot, repair.acknowledged else { return false }
        if node.state == .draining { try transition(nodeID: nodeID, on: .drainCompleted, reason: "the node rebooted, so it had drained") }
        try startPendingRepair(nodeID: nodeID)
        if node.health == .healthy {
            try validateAfterRepair(nodeID, summary: "the node came back from its reboot and passed its boot checks")
        } else {
            try repairValidated(nodeID, passed: false, message: "after the reboot: \(node.healthReason.isEmpty ? "health \(node.health.rawValue)" : node.healthReason)")
        }
        return true
    }
}
