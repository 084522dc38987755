import ArgumentParser
import Foundation
import NavarchControlPlane
import NavarchSimulator

/// `navarch simulate`: a scenario against the fleet brain, in virtual time.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate", abstract: "Run a fleet scenario against Navarch's decisions in virtual time.",
        subcommands: [Run.self, Compare.self, Validate.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a scenario and print what happened; exits 1 when an assertion fails.")

        @Argument(help: "The scenario file (YAML).")
        var file: String

        @Option(help: "Seed for the simulated world's chance (the same seed gives the same report; default: the scenario's, else 1).")
        var seed: UInt64?

        @Option(help: "A navarch.yaml whose fleet policy, health policy and pools the run decides by (default: the scenario's `policy`, else the built-in policy).")
        var policy: String?

        @Option(name: [.customShort("o"), .long], help: "Output format: table or json.")
        var output: OutputFormat = .table

        func validate() throws {
            guard output == .table || output == .json else { throw ValidationError("-o \(output.rawValue): a simulation report is written as table or json") }
        }

        @Option(help: "Also write the report as one self-contained HTML file (default: the scenario's html_report_file).")
        var report: String?

        func run() async throws {
            let scenario = try ScenarioFile.load(file)
            var simulation = try Simulation(scenario, options: try SimulateCommand.options(for: scenario, policy: policy, seed: seed))
            let result = try simulation.run()
            let json = try result.json()
            if output == .json {
                print(String(decoding: json, as: UTF8.self))
            } else {
                print(result.table(), terminator: "")
            }
            if let path = scenario.stress?.reportFile, !path.isEmpty { try SimulateCommand.write(json, to: path) }
            if let path = report ?? scenario.stress?.htmlReportFile, !path.isEmpty {
                try SimulateCommand.write(Data(HTMLReport.render(result).utf8), to: path)
            }
            if !result.passed { throw ExitCode(1) }
        }
    }

    struct Compare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a scenario under two policies on the same seed and show their figures side by side.")

        @Argument(help: "The scenario file (YAML).")
        var file: String

        @Option(name: .customLong("policy"), help: "A navarch.yaml; give it twice, the first is the baseline.")
        var policies: [String] = []

        @Option(help: "Seed for the simulated world's chance (default: the scenario's, else 1).")
        var seed: UInt64?

        @Option(name: [.customShort("o"), .long], help: "Output format: table or json.")
        var output: OutputFormat = .table

        @Option(help: "Also write the comparison as one self-contained HTML file.")
        var report: String?

        func validate() throws {
            guard output == .table || output == .json else { throw ValidationError("-o \(output.rawValue): a simulation report is written as table or json") }
            guard policies.count == 2 else { throw ValidationError("compare needs two policies: --policy a.yaml --policy b.yaml (got \(policies.count))") }
        }

        func run() async throws {
            let scenario = try ScenarioFile.load(file)
            var reports: [SimulationReport] = []
            for policy in policies {
                var simulation = try Simulation(scenario, options: try SimulateCommand.options(for: scenario, policy: policy, seed: seed))
                reports.append(try simulation.run())
            }
            // The files' names, or their paths where the names are the same.
            let names = policies.map { URL(fileURLWithPath: $0).lastPathComponent }
            let comparison = SimulationComparison(reports[0], reports[1], names: names[0] == names[1] ? policies : names)
            if output == .json {
                print(String(decoding: try comparison.json(), as: UTF8.self))
            } else {
                print(comparison.table(), terminator: "")
            }
            if let report { try SimulateCommand.write(Data(HTMLReport.render(comparison).utf8), to: report) }
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a scenario file without running it.")

        @Argument(help: "The scenario file (YAML).")
        var file: String

        func run() async throws {
            let scenario = try ScenarioFile.load(file)
            _ = try Simulation(scenario, options: try SimulateCommand.options(for: scenario, policy: nil, seed: nil))
            let generated = scenario.stress?.fleetGen.map { ", \($0.totalNodes) generated nodes" } ?? ""
            print("\(file): scenario \(scenario.name) is valid: \(scenario.fleet.count) machines, \(scenario.pools.count) pools\(generated), \(scenario.events.count) events, \(scenario.assertions.count) assertions")
        }
    }

    /// What a run decides by: the policy file given, else the scenario's own (relative to the
    /// scenario), else the built-in policy; the seed given, else the scenario's, else 1.
    static func options(for scenario: Scenario, policy: String?, seed: UInt64?) throws -> Simulation.Options {
        var options = Simulation.Options(seed: seed ?? scenario.stress?.seed ?? 1)
        var path = policy
        if path == nil, !scenario.policyFile.isEmpty {
            path = scenario.policyFile.hasPrefix("/")
                ? scenario.policyFile
                : URL(fileURLWithPath: scenario.file).deletingLastPathComponent().appendingPathComponent(scenario.policyFile).path
        }
        if let path {
            let configuration = try ConfigurationFile.load(path: path)
            options.policy = configuration.fleet
            options.healthPolicy = configuration.healthPolicy
            options.pools = configuration.pools.map(\.configured)
            options.autoscaleInterval = configuration.autoscaleInterval
            options.diagnosticCheckInterval = configuration.diagnosticScheduleCheckInterval
        }
        return options
    }

    static func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw ValidationError("cannot write the report to \(path): \(error.localizedDescription)")
        }
        FileHandle.standardError.write(Data("wrote \(path)\n".utf8))
    }
}
