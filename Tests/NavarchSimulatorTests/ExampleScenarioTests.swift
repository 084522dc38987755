import Foundation
import NavarchSimulator
import Testing

/// Every scenario in examples/scenarios runs, and its assertions hold.
@Suite struct ExampleScenarioTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/scenarios")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test func theExamplesAreThere() {
        #expect(Self.files.contains("ladder.yaml") && Self.files.contains("network-partition.yaml"), "\(Self.directory.path)")
    }

    /// Each example as it is; a generated fleet of more than 200 nodes runs at 200 nodes for
    /// 6 simulated hours (the full size is the benchmark's, benchmarks/simulator/run.sh).
    @Test(arguments: files) func anExampleRunsAndItsAssertionsHold(_ file: String) throws {
        var scenario = try ScenarioFile.load(Self.directory.appendingPathComponent(file).path)
        if var stress = scenario.stress, var generator = stress.fleetGen, generator.totalNodes > 200 {
            generator.totalNodes = 200
            stress.fleetGen = generator
            stress.duration = .seconds(6 * 3600)
            scenario.stress = stress
        }
        var simulation = try Simulation(scenario)
        let report = try simulation.run()
        #expect(!report.assertions.isEmpty && report.passed, "\(report.table())")
    }
}
