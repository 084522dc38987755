import Foundation

/// Two runs of one scenario on the same seed under different policies, figure by figure, with
/// the second's difference from the first.
public struct SimulationComparison: Sendable, Codable, Equatable {
    public struct Row: Sendable, Codable, Equatable {
        public var name: String
        public var values: [String]
        /// The second run less the first (a signed number, or a percentage change for money).
        public var difference: String
    }

    public var scenario: String
    public var seed: UInt64
    /// What each run decided by (its policy file's name).
    public var names: [String]
    public var rows: [Row]
    public var reports: [SimulationReport]

    public init(_ first: SimulationReport, _ second: SimulationReport, names: [String]) {
        scenario = first.scenario
        seed = first.seed
        self.names = names
        reports = [first, second]
        func figures(_ r: SimulationReport) -> [(String, Double, Int)] {
            let m = r.metrics
            let errors = m.providers.values.reduce(0) { $0 + $1.calls.errors }
            return [
                ("healthy GPU-hours", m.healthyGPUHours, 1), ("paid GPU-hours", m.paidGPUHours, 1), ("goodput (%)", m.goodput * 100, 2),
                ("cost (USD)", m.costUSD, 2), ("failures", Double(m.failures.values.reduce(0, +)), 0),
                ("failure to cordon p50 (s)", m.detectionToCordon.p50, 1), ("failure to cordon p90 (s)", m.detectionToCordon.p90, 1),
                ("failure to healthy p50 (s)", m.failureToHealthy.p50, 1), ("failure to healthy p90 (s)", m.failureToHealthy.p90, 1),
                ("GPU resets", Double(m.repairs["reset_gpu"]?.requested ?? 0), 0), ("GPU resets that worked", Double(m.repairs["reset_gpu"]?.succeeded ?? 0), 0),
                ("reboots", Double(m.repairs["reboot"]?.requested ?? 0), 0), ("replacements", Double(m.repairs["replace"]?.requested ?? 0), 0),
                ("breaker trips", Double(m.breakerTrips), 0), ("provider errors", Double(errors), 0),
                ("spot preemptions", Double(m.providers.values.reduce(0) { $0 + $1.calls.preemptions }), 0),
                ("failures open at the end", Double(m.failuresOpen), 0), ("brain inputs", Double(r.inputs), 0),
            ]
        }
        rows = zip(figures(first), figures(second)).map { a, b in
            let places = a.2
            let delta = b.1 - a.1
            var difference = (delta > 0 ? "+" : "") + String(format: "%.\(places)f", delta)
            if a.1 != 0 && a.0.hasPrefix("cost") { difference += String(format: " (%+.1f%%)", delta / a.1 * 100) }
            return Row(name: a.0, values: [String(format: "%.\(places)f", a.1), String(format: "%.\(places)f", b.1)], difference: difference)
        }
    }

    /// The comparison for a terminal.
    public func table() -> String {
        let width = max(28, (rows.map(\.name.count).max() ?? 0) + 2)
        var lines = ["scenario \(scenario) (seed \(seed))", "  \(SimulationReport.pad("", width)) \(SimulationReport.pad(names[0], 16)) \(SimulationReport.pad(names[1], 16)) difference"]
        for row in rows {
            lines.append("  \(SimulationReport.pad(row.name, width)) \(SimulationReport.pad(row.values[0], 16)) \(SimulationReport.pad(row.values[1], 16)) \(row.difference)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// As JSON with sorted keys (the two full reports included).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
