import Foundation
import NavarchSimulator
import Testing

/// Scenario files: the reference project's as they are, and bad ones named by file, line and key.
@Suite struct ScenarioFileTests {
    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/upstream/\(name)", withExtension: nil))
        return url.path
    }

    @Test func theReferenceGPUFailureScenarioReadsAsItIs() throws {
        let scenario = try ScenarioFile.load(try Self.fixture("gpu-failure.yaml"))
        #expect(scenario.name == "gpu-failure")
        #expect(scenario.fleet.map(\.id) == ["node-1", "node-2"])
        #expect(scenario.fleet.first?.instanceType == "a3-highgpu-8g")
        #expect(scenario.events.map(\.action) == [.startFleet, .log, .log, .injectFailure, .waitForStatus, .log, .log])
        let failure = try #require(scenario.events.first { $0.action == .injectFailure })
        #expect(failure.at == .seconds(5) && failure.target == "node-1")
        #expect(failure.params == ["failure_type": "xid_error", "xid_code": "79", "gpu_index": "3", "message": "GPU has fallen off the bus"])
        #expect(scenario.assertions.map(\.kind) == [.nodeStatus, .nodeStatus, .healthStatus])
        #expect(scenario.assertions.map(\.expected) == ["active", "unhealthy", "healthy"])
    }

    @Test func theReferenceStressScenarioReadsAsItIs() throws {
        let scenario = try ScenarioFile.load(try Self.fixture("quick-test.yaml"))
        let stress = try #require(scenario.stress)
        #expect(stress.duration == .seconds(60) && stress.seed == 42)
        let gen = try #require(stress.fleetGen)
        #expect(gen.totalNodes == 50 && gen.templates.map(\.weight) == [70, 30])
        #expect(gen.providers.map(\.0) == ["gcp", "aws"] && gen.startup.pattern == .linear)
        #expect(stress.chaos.failureRate == 200 && stress.chaos.xidDistribution.map(\.code) == [13, 31, 48, 79, 74, 94])
        #expect(stress.chaos.failureTypes.map(\.type) == [.xidError, .temperature, .nvmlFailure])
        #expect(stress.chaos.cascading.scope == .zone && stress.chaos.cascading.maxDelay == .seconds(3))
        #expect(stress.chaos.recovery.probability == 0.6 && stress.chaos.recovery.meanTime == .seconds(30))
    }

    static let base = """
        name: bad
        fleet:
          - id: node-1
            provider: gcp
        events:
        """

    @Test(arguments: [
        ("\(base)\n  - at: 1s\n    action: start_fleet\n    colour: red\n", "bad.yaml:8", "events[0].colour", "unknown key"),
        ("\(base)\n  - at: soon\n    action: start_fleet\n", "bad.yaml:6", "events[0].at", "'soon' is not a duration"),
        ("\(base)\n  - at: 1s\n    action: explode\n", "bad.yaml:7", "events[0].action", "unknown action 'explode'"),
        ("\(base)\n  - at: 1s\n    action: inject_failure\n    target: node-9\n", "bad.yaml:6", "events[0].target", "no machine 'node-9'"),
        ("\(base)\n  - at: 1s\n    action: inject_failure\n    target: node-1\n    params:\n      failure_type: lightning\n", "bad.yaml:10", "params.failure_type", "unknown failure type"),
        ("name: x\nassertions:\n  - type: metric\n    target: happiness\n    expected: '> 1'\n", "bad.yaml:4", "assertions[0].target", "unknown metric 'happiness'"),
        ("name: x\nassertions:\n  - type: metric\n    target: goodput\n    expected: lots\n", "bad.yaml:5", "assertions[0].expected", "expected a comparison and a number"),
        ("name: x\npools:\n  - name: p\n    gpu_type: h900\n    nodes: 2\n", "bad.yaml:4", "pools[0].gpu_type", "h900"),
        ("name: x\nworld:\n  reset_success: 2\n", "bad.yaml:3", "world.reset_success", "a share from 0 to 1"),
    ])
    func aBadFileGetsOneErrorNamingFileLineAndKey(_ text: String, _ place: String, _ key: String, _ problem: String) throws {
        let error = try #require(throws: ScenarioError.self) { try ScenarioFile.parse(text, file: "bad.yaml") }
        #expect(error.description.hasPrefix(place), "\(error)")
        #expect(error.key.hasSuffix(key), "\(error)")
        #expect(error.problem.contains(problem), "\(error)")
    }

    @Test func aQueueForAPoolNobodyDefinesIsRefusedWhenTheRunIsPrepared() throws {
        let scenario = try ScenarioFile.parse("name: x\nevents:\n  - at: 1s\n    action: set_queue\n    target: nowhere\n", file: "bad.yaml")
        let error = try #require(throws: ScenarioError.self) { try Simulation(scenario) }
        #expect(error.description.hasPrefix("bad.yaml:3") && error.key == "events[0].target" && error.problem.contains("no pool 'nowhere'"), "\(error)")
    }
}
