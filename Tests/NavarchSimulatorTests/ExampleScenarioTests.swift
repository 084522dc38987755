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

    @Test(arguments: files) func anExampleRunsAndItsAssertionsHold(_ file: String) throws {
        var simulation = try Simulation(try ScenarioFile.load(Self.directory.appendingPathComponent(file).path))
        let report = try simulation.run()
        #expect(!report.assertions.isEmpty && report.passed, "\(report.table())")
    }
}
