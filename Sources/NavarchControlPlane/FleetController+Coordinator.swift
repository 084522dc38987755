import Foundation
import NavarchCore

/// Work for the workload-scheduler coordinator, done off the fleet actor by ``CoordinatorService``.
enum CoordinatorJob: Sendable {
    case cordon(CoordinatedNode, reason: String)
    case uncordon(CoordinatedNode)
    case drain(CoordinatedNode, reason: String)
}

extension FleetController {
    /// Drains a node: with a coordinator, the workload scheduler moves the node's work first and
    /// the agent gets its `drain` (and any command issued meanwhile) after; without one, the
    /// agent gets it at once.
    @discardableResult
    func startDrain(_ nodeID: String, reason: String, attributes: [String: String] = [:]) async throws -> Node {
        let updated = try await transition(nodeID: nodeID, on: .drain, reason: reason, attributes: attributes) { $0.cordonReason = reason }
        if let coordinator {
            coordinatorDraining.insert(nodeID)
            coordinatorJobs.yield(.drain(CoordinatedNode(updated), reason: reason))
            try await record(
                "coordinator.draining", "asking \(coordinator.name) to move the node's work: \(reason)", node: nodeID,
                instance: updated.instanceID, pool: updated.pool, attributes: ["coordinator": coordinator.name])
        } else {
            try await send(.drain, to: nodeID, reason: reason)
        }
        return updated
    }

    /// The coordinator drained the node, or gave up after the drain timeout.
    func coordinatorDrainFinished(nodeID: String, drained: Bool, message: String) async {
        do { try await finishCoordinatedDrain(nodeID: nodeID, drained: drained, message: message) } catch {
            logger.error("cannot finish a coordinated drain", metadata: ["node": "\(nodeID)", "error": "\(error)"])
        }
    }

    private func finishCoordinatedDrain(nodeID: String, drained: Bool, message: String) async throws {
        guard coordinatorDraining.remove(nodeID) != nil, let node = nodes[nodeID], let coordinator else { return }
        let settings = configuration.coordinator
        if drained {
            try await record("coordinator.drained", message, node: nodeID, instance: node.instanceID, pool: node.pool, attributes: ["coordinator": coordinator.name])
        } else {
            let proceed = settings?.onTimeout != .hold
            try await record(
                "coordinator.drain_timeout",
                "\(coordinator.name) did not drain the node: \(message); \(proceed ? "proceeding" : "holding the node draining (on_drain_timeout: hold)")",
                node: nodeID, instance: node.instanceID, pool: node.pool, attributes: ["coordinator": coordinator.name])
            guard proceed else {
                heldCommands[nodeID] = nil
                return
            }
        }
        defer { wake() }
        do {
            guard nodes[nodeID]?.state == .draining else { return }
            try await send(.drain, to: nodeID, reason: node.cordonReason)
            for command in heldCommands.removeValue(forKey: nodeID) ?? [] { commands.deliver(command) }
            // A silent agent cannot acknowledge its drain: the scheduler's word is enough.
            let timeout = configuration.heartbeatInterval.timeInterval * Double(configuration.missedHeartbeatsBeforeUnhealthy)
            if let last = state.heartbeats.lastHeartbeat(of: nodeID), clock.now.timeIntervalSince(last) >= timeout {
                try await transition(nodeID: nodeID, on: .drainCompleted, reason: "the node is silent; \(coordinator.name) drained its work")
                try await startPendingRepair(nodeID: nodeID)
                try await startPendingDiagnostic(nodeID: nodeID)
            }
        }
    }

    /// A coordinator call that failed (cordon, uncordon, drain).
    func coordinatorFailed(nodeID: String, action: String, error: String) async {
        guard let node = nodes[nodeID] else { return }
        do {
            try await record(
                "coordinator.failed", "\(action): \(error)", node: nodeID, instance: node.instanceID, pool: node.pool,
                attributes: ["coordinator": coordinator?.name ?? ""])
        } catch let failure {
            logger.error("cannot record a coordinator failure", metadata: ["node": "\(nodeID)", "action": "\(action)", "error": "\(failure)"])
        }
    }
}
