import Foundation
import NavarchCore

/// The scenario's own events and its assertions.
extension Simulation {
    mutating func perform(_ event: Scenario.Event, index: Int) throws {
        switch event.action {
        case .startFleet:
            for machine in scenario.fleet where !(agents[machine.id]?.running ?? false) { try start(machine.id) }
        case .stopFleet:
            for machine in scenario.fleet where agents[machine.id]?.running == true { try turnOff(machine.id) }
        case .injectFailure:
            let type = event.params["failure_type"].flatMap(Scenario.FailureType.init) ?? .xidError
            for nodeID in targets(event) {
                guard let agent = agents[nodeID] else { continue }
                let gpu = event.params["gpu_index"].flatMap(Int.init) ?? random.index(max(agent.machine.gpuCount, 1))
                try fail(nodeID, type: type, xid: event.params["xid_code"].flatMap(Int.init), gpu: gpu, message: event.params["message"] ?? "")
            }
        case .recoverFailure:
            let type = event.params["failure_type"].flatMap(Scenario.FailureType.init) ?? .xidError
            for nodeID in targets(event) { try recover(nodeID, type: type, gpu: Int(event.params["gpu_index"] ?? "") ?? 0) }
        case .issueCommand:
            let command = event.params["command_type"] ?? event.params["command"] ?? ""
            let reason = event.params["reason"] ?? "scenario"
            for nodeID in targets(event) {
                switch command {
                case "cordon": try input { _ = try $0.cordon(nodeID: nodeID, reason: reason, actor: "scenario") }
                case "uncordon": try input { _ = try $0.uncordon(nodeID: nodeID, reason: reason, actor: "scenario") }
                case "drain": try input { _ = try $0.drain(nodeID: nodeID, reason: reason, actor: "scenario") }
                case "run_diagnostic": try input { _ = try $0.runDiagnostic(nodeID: nodeID, suite: "dcgm", level: 1) }
                default:
                    // The machine is turned off under the fleet: a pool notices the silence and replaces it.
                    if let agent = agents[nodeID], !agent.instanceID.isEmpty {
                        try machineLost(instanceID: agent.instanceID, provider: agent.machine.provider, preempted: false)
                    } else {
                        try turnOff(nodeID)
                    }
                }
            }
            log("\(command) \(event.target.isEmpty ? "every node" : event.target)")
        case .waitForStatus:
            let timeout = event.params["timeout"].flatMap(DurationParser.parse)?.timeInterval ?? 30
            try waitForStatus(event, index: index, deadline: now + timeout)
        case .wait:
            break
        case .log:
            log(event.params["log_message"] ?? event.params["message"] ?? "")
        case .assert:
            let assertion = Scenario.Assertion(
                kind: Scenario.Assertion.Kind(rawValue: event.params["type"] ?? "") ?? .nodeStatus, target: event.target,
                expected: event.params["expected"] ?? "", line: event.line)
            let result = check(assertion)
            report.assertions.append(result)
            log("assert \(result.type) \(result.target) \(result.expected): \(result.passed ? "passed" : "failed, got \(result.actual)")")
        case .setQueue:
            let depth = Int(event.params["depth"] ?? "0") ?? 0
            try input { _ = try $0.reportQueue(pool: event.target, depth: depth, nodeJobs: [:]) }
            log("pool \(event.target): \(depth) job(s) waiting")
        }
    }

    /// A failure of `type` on a node: its agent sees it (and reports it) or falls silent.
    mutating func fail(_ nodeID: String, type: Scenario.FailureType, xid: Int?, gpu: Int, message: String) throws {
        guard var agent = agents[nodeID] else { return }
        let wasReachable = agent.reachable
        let observations = agent.fail(type, xid: xid, gpu: gpu, message: message, at: date)
        agents[nodeID] = agent
        metrics.failed(nodeID, kind: type.rawValue, at: now)
        if wasReachable && !agent.reachable { try goSilent(nodeID) }
        try report(nodeID, observations)
        observe(nodeID)
    }

    /// The hardware or the network comes back; a node heard again takes up its lease.
    mutating func recover(_ nodeID: String, type: Scenario.FailureType, gpu: Int) throws {
        guard var agent = agents[nodeID] else { return }
        let wasReachable = agent.reachable
        let observations = agent.recover(type, gpu: gpu, at: date)
        agents[nodeID] = agent
        if !wasReachable && agent.reachable {
            try heartbeatUntilTheEnd(nodeID)
            for command in try brain.commandsToResend(to: nodeID) { deliver(command) }
        }
        try report(nodeID, observations)
        observe(nodeID)
    }

    mutating func waitForStatus(_ event: Scenario.Event, index: Int, deadline: Double) throws {
        let expected = event.params["expected_status"] ?? ""
        let reading = status(of: event.target, expected: expected)
        if reading.matches {
            log("\(event.target) is \(expected)")
        } else if now >= deadline {
            log("\(event.target) did not become \(expected) in time: it is \(reading.actual)")
        } else {
            queue.schedule(.waitAgain(index, deadline), at: min(now + 1, deadline))
        }
    }

    func targets(_ event: Scenario.Event) -> [String] {
        event.target.isEmpty ? agents.keys.sorted() : [event.target]
    }

    // MARK: - Assertions

    /// How a node reads against a status of the reference project's or one of Navarch's.
    func status(of nodeID: String, expected: String) -> (matches: Bool, actual: String, note: String) {
        guard let node = brain.state.nodes[nodeID] else { return (expected == "terminated", "not registered", "") }
        let actual = "\(node.state.rawValue), \(node.health.rawValue)"
        switch expected {
        case "unhealthy":
            return (node.health == .unhealthy, actual, "the reference's unhealthy node is a Navarch node whose health is unhealthy; it is taken out of service (cordoned, repaired or replaced) rather than left in place")
        case "active":
            return (node.state == .active, actual, "")
        default:
            return (node.state.rawValue == expected, actual, "")
        }
    }

    func check(_ assertion: Scenario.Assertion) -> SimulationReport.AssertionResult {
        var result = SimulationReport.AssertionResult(
            type: assertion.kind.rawValue, target: assertion.target, expected: assertion.expected, actual: "", passed: false, note: "",
            line: assertion.line)
        switch assertion.kind {
        case .nodeStatus:
            let reading = status(of: assertion.target, expected: assertion.expected)
            (result.passed, result.actual, result.note) = reading
        case .healthStatus:
            let node = brain.state.nodes[assertion.target]
            result.actual = node?.health.rawValue ?? "not registered"
            result.passed = node?.health.rawValue == assertion.expected
            if !result.passed && assertion.expected == "healthy" && node?.health == .unhealthy {
                result.note = "Navarch keeps a fatal verdict until the GPU is repaired or replaced; the reference clears it once the event leaves its window"
            }
        case .nodeCount:
            let live = brain.listNodes(pool: nil).filter { $0.state != .terminated }
            let counted = assertion.target.isEmpty ? live : live.filter { status(of: $0.id, expected: assertion.target).matches }
            result.actual = "\(counted.count)"
            result.passed = Int(assertion.expected) == counted.count
            result.note = assertion.target.isEmpty ? "nodes registered and not terminated" : "nodes that read as \(assertion.target)"
        case .metric:
            let value = metrics.finished(at: now, calls: providers.mapValues(\.calls)).value(named: assertion.target)
            result.actual = value.map { String(format: "%g", $0) } ?? "unknown"
            result.passed = value.map { MetricExpectation(assertion.expected)?.holds(for: $0) ?? false } ?? false
            result.note = "the run's \(assertion.target) at \(SimulationReport.format(now))"
        }
        return result
    }
}
