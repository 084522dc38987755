import Foundation

extension FleetBrain {
    /// Drains a node: with a coordinator, the workload scheduler moves the node's work first and
    /// the agent gets its `drain` (and any command issued meanwhile) after; without one, the
    /// agent gets it at once.
    @discardableResult
    mutating func startDrain(_ nodeID: String, reason: String, attributes: [String: String] = [:]) throws -> Node {
        let updated = try transition(nodeID: nodeID, on: .drain, reason: reason, attributes: attributes) { $0.cordonReason = reason }
        if let coordinator = policy.coordinator {
            book.coordinatorDraining.insert(nodeID)
            pending.effects.append(.coordinate(.drain(CoordinatedNode(updated), reason: reason)))
            record(
                "coordinator.draining", "asking \(coordinator.name) to move the node's work: \(reason)", node: nodeID,
                instance: updated.instanceID, pool: updated.pool, attributes: ["coordinator": coordinator.name])
        } else {
            send(.drain, to: nodeID, reason: reason)
        }
        return updated
    }

    /// The coordinator drained the node, or gave up after the drain timeout.
    public mutating func coordinatorDrainFinished(nodeID: String, drained: Bool, message: String) throws {
        guard let coordinator = policy.coordinator, book.coordinatorDraining.remove(nodeID) != nil, let node = nodes[nodeID] else { return }
        if drained {
            record("coordinator.drained", message, node: nodeID, instance: node.instanceID, pool: node.pool, attributes: ["coordinator": coordinator.name])
        } else {
            let proceed = !coordinator.holdOnDrainTimeout
            record(
                "coordinator.drain_timeout",
                "\(coordinator.name) did not drain the node: \(message); \(proceed ? "proceeding" : "holding the node draining (on_drain_timeout: hold)")",
                node: nodeID, instance: node.instanceID, pool: node.pool, attributes: ["coordinator": coordinator.name])
            guard proceed else {
                book.heldCommands[nodeID] = nil
                return
            }
        }
        pending.reconcile = true
        guard nodes[nodeID]?.state == .draining else { return }
        send(.drain, to: nodeID, reason: node.cordonReason)
        for command in book.heldCommands.removeValue(forKey: nodeID) ?? [] { pending.effects.append(.deliver(command)) }
        // A silent agent cannot acknowledge its drain: the scheduler's word is enough.
        if let last = state.heartbeats.lastHeartbeat(of: nodeID, at: now), now.timeIntervalSince(last) >= policy.silenceTimeout {
            try transition(nodeID: nodeID, on: .drainCompleted, reason: "the node is silent; \(coordinator.name) drained its work")
            try startPendingRepair(nodeID: nodeID)
            try startPendingDiagnostic(nodeID: nodeID)
        }
    }

    /// A coordinator call that failed (cordon, uncordon, drain).
    public mutating func coordinatorFailed(nodeID: String, action: String, error: String) {
        guard let node = nodes[nodeID] else { return }
        record(
            "coordinator.failed", "\(action): \(error)", node: nodeID, instance: node.instanceID, pool: node.pool,
            attributes: ["coordinator": policy.coordinator?.name ?? ""])
    }
}
