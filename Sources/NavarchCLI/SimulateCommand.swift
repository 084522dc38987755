import ArgumentParser
import Foundation
import NavarchControlPlane
import NavarchSimulator

/// `navarch simulate`: a scenario against the fleet brain, in virtual time.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate", abstract: "Run a fleet scenario against Navarch's decisions in virtual time.",
        subcommands: [Run.self, Validate.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a scenario and print what happened; exits 1 when an assertion fails.")

        @Argument(help: "The scenario file (YAML).")
        var file: String

        @Option(help: "Seed for the simulated world's chance (the same seed gives the same report).")
        var seed: UInt64 = 1

        @Option(help: "A navarch.yaml whose fleet and health policy the run decides by (default: the built-in policy).")
        var policy: String?

        @Option(name: [.customShort("o"), .long], help: "Output format: table or json.")
        var output: OutputFormat = .table

        func run() async throws {
            let scenario = try ScenarioFile.load(file)
            var options = Simulation.Options(seed: seed)
            if let policy {
                let configuration = try ConfigurationFile.load(path: policy)
                options.policy = configuration.fleet
                options.healthPolicy = configuration.healthPolicy
            }
            var simulation = try Simulation(scenario, options: options)
            let report = try simulation.run()
            if output == .json {
                print(String(decoding: try report.json(), as: UTF8.self))
            } else {
                print(report.table(), terminator: "")
            }
            if !report.passed { throw ExitCode(1) }
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a scenario file without running it.")

        @Argument(help: "The scenario file (YAML).")
        var file: String

        func run() async throws {
            let scenario = try ScenarioFile.load(file)
            print("\(file): scenario \(scenario.name) is valid: \(scenario.fleet.count) machines, \(scenario.events.count) events, \(scenario.assertions.count) assertions")
        }
    }
}
