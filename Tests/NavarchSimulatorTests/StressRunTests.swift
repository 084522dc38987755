import Foundation
import NavarchSimulator
import Testing

/// Stress runs: the reference project's file as it is, determinism, and the reports.
@Suite struct StressRunTests {
    static func quickTest() throws -> Scenario {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/upstream/quick-test", withExtension: "yaml"))
        return try ScenarioFile.load(url.path)
    }

    static func run(_ scenario: Scenario, seed: UInt64) throws -> SimulationReport {
        var simulation = try Simulation(scenario, options: .init(seed: seed))
        return try simulation.run()
    }

    @Test func theReferenceStressFileRunsAsItIs() throws {
        let report = try Self.run(try Self.quickTest(), seed: 42)
        // 50 nodes generated over 10 s, failing at about 10 a minute.
        #expect(report.nodeCounts.values.reduce(0, +) >= 50)
        let failures = report.metrics.failures.values.reduce(0, +)
        #expect(failures >= 3 && failures <= 25, "\(report.metrics.failures)")
        #expect(Set(report.metrics.failures.keys).isSubset(of: ["xid_error", "temperature", "nvml_failure"]))
        #expect(report.metrics.providers.keys.sorted() == ["aws", "gcp"])
        #expect(report.log.map(\.message).contains("Final phase"))
        #expect(!report.metrics.samples.isEmpty)
    }

    @Test func theSameSeedGivesTheSameBytesAndAnotherSeedAnotherRun() throws {
        let scenario = try Self.quickTest()
        let first = try Self.run(scenario, seed: 7).json()
        let second = try Self.run(scenario, seed: 7).json()
        let other = try Self.run(scenario, seed: 8).json()
        #expect(first == second)
        #expect(first != other)
    }

    @Test func theHTMLReportStandsAlone() throws {
        let report = try Self.run(try Self.quickTest(), seed: 42)
        let html = HTMLReport.render(report)
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.components(separatedBy: "<svg").count - 1 >= 6, "a chart for each figure")
        for external in ["src=", "href=", "<script", "@import", "url("] { #expect(!html.contains(external), "\(external)") }
        #expect(html.contains("quick-stress-test") && html.contains("goodput"))
    }

    @Test func aComparisonShowsTheSecondRunLessTheFirst() throws {
        let scenario = try Self.quickTest()
        let comparison = SimulationComparison(try Self.run(scenario, seed: 1), try Self.run(scenario, seed: 2), names: ["a", "b"])
        let failures = try #require(comparison.rows.first { $0.name == "failures" })
        let a = try #require(Double(failures.values[0])), b = try #require(Double(failures.values[1]))
        #expect(failures.difference == (b - a > 0 ? "+" : "") + String(format: "%.0f", b - a))
        #expect(comparison.table().contains("difference"))
        #expect(HTMLReport.render(comparison).contains("<svg"))
    }

    @Test func theGeneratedFleetFollowsItsWeights() throws {
        let scenario = try Self.quickTest()
        let report = try Self.run(scenario, seed: 42)
        // 70% H100, 30% A100 over gcp 60% and aws 40%: gcp carries the larger share of GPU-hours.
        let gcp = report.metrics.providers["gcp"]?.gpuHours ?? 0, aws = report.metrics.providers["aws"]?.gpuHours ?? 0
        #expect(gcp > aws && aws > 0)
    }
}
