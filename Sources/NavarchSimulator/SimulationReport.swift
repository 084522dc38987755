import Foundation
import NavarchCore

/// What a simulation found: its log, every assertion with what happened, the nodes as they
/// ended and how many of each fleet event the brain recorded. Its JSON is byte-identical for
/// the same scenario, policy and seed.
public struct SimulationReport: Sendable, Codable, Equatable {
    public struct LogLine: Sendable, Codable, Equatable {
        /// Seconds since the start of the simulation.
        public var at: Double
        public var message: String
    }

    public struct AssertionResult: Sendable, Codable, Equatable {
        public var type: String
        public var target: String
        public var expected: String
        public var actual: String
        public var passed: Bool
        /// Where Navarch's statuses differ from the reference project's, how this one was read.
        public var note: String
        /// Line in the scenario file.
        public var line: Int
    }

    public struct NodeSummary: Sendable, Codable, Equatable {
        public var id: String
        public var state: String
        public var health: String
        public var reason: String
    }

    public var scenario: String
    public var seed: UInt64
    /// Simulated seconds.
    public var duration: Double
    public var log: [LogLine] = []
    public var assertions: [AssertionResult] = []
    /// Every node as it ended, for fleets of at most ``nodesListedAtMost`` nodes.
    public var nodes: [NodeSummary] = []
    /// Nodes by "state, health" at the end.
    public var nodeCounts: [String: Int] = [:]
    public var metrics = SimulationMetrics()
    /// Fleet events the brain recorded, by kind.
    public var events: [String: Int] = [:]
    /// Inputs the brain took.
    public var inputs = 0
    /// Reconcile passes among them.
    public var reconcilePasses = 0
    /// Inputs the brain refused (the first ones are in the log).
    public var refusals = 0

    public var passed: Bool { assertions.allSatisfy(\.passed) }

    /// Larger fleets are summed up in ``nodeCounts`` only.
    public static let nodesListedAtMost = 200

    /// The report as JSON with sorted keys: the same run gives the same bytes.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// A summary for a terminal.
    public func table() -> String {
        var lines = ["scenario \(scenario) (seed \(seed)), \(Self.format(duration)) simulated, \(inputs) brain inputs"]
        for line in log { lines.append("  [\(Self.format(line.at))] \(line.message)") }
        if !nodes.isEmpty {
            lines.append("nodes:")
            for node in nodes {
                lines.append("  \(Self.pad(node.id, 16)) \(Self.pad(node.state, 11)) \(Self.pad(node.health, 10)) \(node.reason)")
            }
        }
        if !nodeCounts.isEmpty {
            lines.append("nodes at the end: " + nodeCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: "; "))
        }
        lines += figures().map { "  \(Self.pad($0.name, 34)) \($0.value)" }
        if !assertions.isEmpty {
            lines.append("assertions:")
            for result in assertions {
                let mark = result.passed ? "PASS" : "FAIL"
                lines.append("  \(mark) \(result.type) \(result.target) expected \(result.expected), got \(result.actual)\(result.note.isEmpty ? "" : " (\(result.note))")")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The run's headline figures by name, in a fixed order, as the summary and `compare` show them.
    public func figures() -> [(name: String, value: String)] {
        let m = metrics
        var rows: [(String, String)] = [
            ("failures", "\(m.failures.values.reduce(0, +))" + (m.failures.isEmpty ? "" : " (" + m.failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")")),
            ("failures absorbed in service", "\(m.failuresAbsorbed)"),
            ("failures still open at the end", "\(m.failuresOpen)"),
            ("detection to cordon p50/p90/max", "\(Self.format(m.detectionToCordon.p50)) / \(Self.format(m.detectionToCordon.p90)) / \(Self.format(m.detectionToCordon.max)) (\(m.detectionToCordon.count))"),
            ("failure to healthy p50/p90/max", "\(Self.format(m.failureToHealthy.p50)) / \(Self.format(m.failureToHealthy.p90)) / \(Self.format(m.failureToHealthy.max)) (\(m.failureToHealthy.count))"),
        ]
        for rung in ["reset_gpu", "reboot", "replace"] {
            let r = m.repairs[rung] ?? .init()
            rows.append(("\(rung) requested/succeeded/failed", "\(r.requested) / \(r.succeeded) / \(r.failed)"))
        }
        rows.append(("breaker trips", "\(m.breakerTrips)"))
        for (name, p) in m.providers.sorted(by: { $0.key < $1.key }) {
            rows.append(("\(name) calls (provision/terminate)", "\(p.calls.provisions) / \(p.calls.terminations)"))
            rows.append(("\(name) errors (429/500/capacity)", "\(p.calls.throttled) / \(p.calls.serverErrors) / \(p.calls.capacityErrors)"))
            if p.calls.preemptions > 0 { rows.append(("\(name) spot preemptions", "\(p.calls.preemptions)")) }
            rows.append(("\(name) cost", String(format: "$%.2f for %.1f GPU-hours", p.costUSD, p.gpuHours)))
        }
        rows.append(("healthy / paid GPU-hours", String(format: "%.1f / %.1f", m.healthyGPUHours, m.paidGPUHours)))
        rows.append(("goodput", String(format: "%.2f%%", m.goodput * 100)))
        rows.append(("cost", String(format: "$%.2f", m.costUSD)))
        return rows
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text.padding(toLength: width, withPad: " ", startingAt: 0)
    }

    static func format(_ seconds: Double) -> String {
        if seconds >= 3600 { return String(format: "%.1fh", seconds / 3600) }
        if seconds >= 120 { return String(format: "%.1fm", seconds / 60) }
        return seconds.rounded() == seconds ? "\(Int(seconds))s" : String(format: "%.1fs", seconds)
    }
}
