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
    public var nodes: [NodeSummary] = []
    /// Fleet events the brain recorded, by kind.
    public var events: [String: Int] = [:]
    /// Inputs the brain took.
    public var inputs = 0

    public var passed: Bool { assertions.allSatisfy(\.passed) }

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
        lines.append("nodes:")
        for node in nodes {
            lines.append("  \(node.id.padding(toLength: 16, withPad: " ", startingAt: 0)) \(node.state.padding(toLength: 11, withPad: " ", startingAt: 0)) \(node.health.padding(toLength: 10, withPad: " ", startingAt: 0)) \(node.reason)")
        }
        if !assertions.isEmpty {
            lines.append("assertions:")
            for result in assertions {
                let mark = result.passed ? "PASS" : "FAIL"
                lines.append("  \(mark) \(result.type) \(result.target) expected \(result.expected), got \(result.actual)\(result.note.isEmpty ? "" : " (\(result.note))")")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func format(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? "\(Int(seconds))s" : String(format: "%.3fs", seconds)
    }
}
