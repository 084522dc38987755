import Foundation

extension FleetBrain {
    /// Takes a node out of service for an active diagnostic: drains it (cordoning it first), then
    /// asks its agent to run the suite. The result arrives as the command's acknowledgement; a
    /// pass puts the node back in service, a failure marks it unhealthy and remediates it.
    public mutating func runDiagnostic(nodeID: String, suite: String, level: Int, actor: String = "") throws -> (Node, String) {
        guard DiagnosticSchedule.suites.contains(suite) else {
            throw NavarchError.invalidArgument("unknown diagnostic suite '\(suite)' (known: \(DiagnosticSchedule.suites.joined(separator: ", ")))")
        }
        guard (1...4).contains(level) else { throw NavarchError.invalidArgument("diagnostic level must be 1 to 4, got \(level)") }
        let requested = try self.node(nodeID)
        if let instance = instances[requested.instanceID], instance.condemned {
            throw NavarchError.failedPrecondition("node \(nodeID) is being replaced; no diagnostic will run on it")
        }
        if pendingCommands(for: nodeID).contains(where: { $0.kind == .runDiagnostic }) {
            throw NavarchError.failedPrecondition("node \(nodeID) already has a diagnostic pending")
        }
        let reason = "diagnostic \(suite) level \(level)"
        let node = requested
        let wasInService = node.state == .active
        var stamped = node
        stamped.lastDiagnostics = (node.lastDiagnostics ?? [:]).merging([suite: now]) { _, new in new }
        save(stamped)
        switch node.state {
        case .active, .cordoned:
            try startDrain(nodeID, reason: reason)
        case .drained, .unhealthy:
            break
        default:
            throw NavarchError.failedPrecondition("node \(nodeID) is \(node.state.rawValue); a diagnostic needs it active, cordoned, drained or unhealthy")
        }
        let commandID = send(
            .runDiagnostic, to: nodeID, reason: reason,
            parameters: ["suite": suite, "level": "\(level)", "return_to_service": wasInService ? "true" : "false"])
        record(
            "diagnostic.requested", reason, node: nodeID, instance: node.instanceID, pool: node.pool,
            attributes: ["suite": suite, "level": "\(level)", "command": commandID, "actor": Self.operatorName(actor)])
        if let current = nodes[nodeID], current.state == .drained || current.state == .unhealthy {
            try startPendingDiagnostic(nodeID: nodeID)
        }
        return (nodes[nodeID] ?? node, commandID)
    }

    /// Starts the diagnostics the pools' schedules make due now.
    public mutating func runScheduledDiagnostics() {
        let schedules = policy.diagnosticSchedules
        guard !schedules.isEmpty else { return }
        let candidates = nodes.keys.sorted(by: NaturalOrder.precedes).compactMap { nodes[$0] }
        for decision in DiagnosticPlanner.due(schedules: schedules, nodes: candidates, now: now) {
            attempt("scheduled diagnostic not started", ["node": decision.nodeID], level: .warning) {
                _ = try $0.runDiagnostic(nodeID: decision.nodeID, suite: decision.schedule.suite, level: decision.schedule.level, actor: "navarch/schedule")
            }
        }
    }

    /// A drained node with a diagnostic waiting moves to `diagnosing`.
    mutating func startPendingDiagnostic(nodeID: String) throws {
        guard let node = nodes[nodeID], NodeLifecycle.allows(.startDiagnosis, in: node.state),
              let command = pendingCommands(for: nodeID).first(where: { $0.kind == .runDiagnostic })
        else { return }
        try transition(nodeID: nodeID, on: .startDiagnosis, reason: command.reason)
    }

    /// Applies a diagnostic's outcome.
    mutating func diagnosticFinished(_ command: NodeCommand, passed: Bool, message: String) throws {
        // The result can arrive before the drain's acknowledgement (they are separate calls,
        // and one may have been retried): the agent drains before it diagnoses, so the drain
        // is done; move the node along to `diagnosing` before applying the result.
        if nodes[command.nodeID]?.state == .draining {
            try transition(nodeID: command.nodeID, on: .drainCompleted, reason: "the diagnostic ran, so the node had drained")
        }
        if nodes[command.nodeID]?.state == .drained {
            try transition(nodeID: command.nodeID, on: .startDiagnosis, reason: command.reason)
        }
        guard let node = nodes[command.nodeID] else { return }
        let suite = command.parameters["suite"] ?? "dcgm"
        record(
            passed ? "diagnostic.passed" : "diagnostic.failed", "\(command.reason): \(message)", node: node.id,
            instance: node.instanceID, pool: node.pool, attributes: ["suite": suite, "level": command.parameters["level"] ?? ""])
        let current = node
        switch DiagnosticOutcome.decide(
            command, passed: passed, message: message, nodeState: current.state, repairUnderWay: current.remediation?.repair != nil
        ) {
        case .recordOnly:
            return
        case .repairValidated(let passed):
            try repairValidated(node.id, passed: passed, message: "\(command.reason): \(message)")
        case .returnToService:
            try transition(nodeID: node.id, on: .diagnosisPassed, reason: "\(command.reason) passed") { $0.cordonReason = "" }
            send(.uncordon, to: node.id, reason: "\(command.reason) passed")
        case .stayCordoned:
            try transition(nodeID: node.id, on: .diagnosisPassed, reason: "\(command.reason) passed") { $0.cordonReason = "" }
            try transition(nodeID: node.id, on: .cordon, reason: "stays cordoned: it was out of service before the diagnostic") {
                $0.cordonReason = "cordoned before \(command.reason)"
            }
        case .markUnhealthy(let reason):
            try transition(nodeID: node.id, on: .diagnosisFailed, reason: reason)
            guard var failed = nodes[node.id] else { return }
            let previous = failed.health
            failed.health = .unhealthy
            failed.healthReason = reason
            save(failed)
            try healthChanged(node: failed, from: previous, result: HealthResult(status: .unhealthy, reason: reason))
        }
    }
}
