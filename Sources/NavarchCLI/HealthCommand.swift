import ArgumentParser
import Foundation
import NavarchClient
import NavarchControlPlane
import NavarchHealth

/// `navarch health`: what the health policy does and why.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Explain the health policy and NVIDIA's XID catalog.",
        subcommands: [ExplainXIDCommand.self, HealthPolicyCommand.self])
}

/// Where a health command reads the policy from.
struct PolicySourceOptions: ParsableArguments {
    @Option(name: .long, help: "Read the policy from this navarch.yaml instead of asking the control plane.")
    var config: String?

    @Flag(name: .long, help: "Use the built-in policy.")
    var builtin = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if config != nil && builtin { throw ValidationError("--config and --builtin cannot be used together") }
    }

    func policy() async throws -> HealthPolicy {
        if builtin { return .builtin }
        if let config { return try ConfigurationFile.load(path: config).healthPolicy }
        let yaml = try await connection.withClient { try await $0.healthPolicyYAML() }
        return try HealthPolicyFile.parse(yaml)
    }
}

/// `navarch health explain-xid 79`.
struct ExplainXIDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain-xid", abstract: "Show what an XID means, what NVIDIA recommends, and what the policy will do.")

    @Argument(help: "XID code, for example 79.")
    var code: Int

    @OptionGroup var source: PolicySourceOptions

    @Option(name: [.customShort("o"), .long], help: "Output format: table, json or yaml.")
    var output: OutputFormat = .table

    func validate() throws {
        guard code >= 0 else { throw ValidationError("an XID code is a whole number, got \(code)") }
    }

    func run() async throws {
        let explanation = XIDExplanation(code: code, policy: try await source.policy())
        print(output.isStructured ? try Output.render(output, explanation) : explanation.text)
    }
}

/// `navarch health policy show`.
struct HealthPolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Show the health policy.", subcommands: [ShowHealthPolicyCommand.self])
}

struct ShowHealthPolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print every rule of the health policy.")

    @OptionGroup var source: PolicySourceOptions

    @Option(name: [.customShort("o"), .long], help: "Output format: table, json or yaml.")
    var output: PolicyOutputFormat = .table

    enum PolicyOutputFormat: String, ExpressibleByArgument, CaseIterable { case table, json, yaml }

    struct RuleView: Encodable {
        var name: String
        var match: String
        var verdict: String
        var action: String
        var reason: String
    }

    func run() async throws {
        let policy = try await source.policy()
        switch output {
        case .yaml:
            print(HealthPolicyFile.render(policy), terminator: "")
        case .json:
            struct PolicyView: Encodable {
                var ignoreXIDs: [Int]
                var metricsInterval: String
                var dcgmHealthInterval: String
                var rules: [RuleView]
            }
            print(try Output.json(PolicyView(
                ignoreXIDs: policy.ignoredXIDs.sorted(), metricsInterval: HealthPolicyEngine.describe(policy.metricsInterval),
                dcgmHealthInterval: HealthPolicyEngine.describe(policy.dcgmHealthInterval), rules: views(policy))))
        case .table:
            print(Output.table(
                ["RULE", "MATCH", "VERDICT", "ACTION", "WHY"],
                views(policy).map { [$0.name, $0.match, $0.verdict, $0.action, $0.reason] }))
            print("")
            print("ignored XIDs: \(policy.ignoredXIDs.isEmpty ? "none" : policy.ignoredXIDs.sorted().map(String.init).joined(separator: ", "))")
            print("intervals: metrics \(HealthPolicyEngine.describe(policy.metricsInterval)), dcgm health \(HealthPolicyEngine.describe(policy.dcgmHealthInterval))")
        }
    }

    private func views(_ policy: HealthPolicy) -> [RuleView] {
        policy.rules.map {
            RuleView(name: $0.name, match: HealthPolicyFile.describe($0.match), verdict: $0.verdict.rawValue, action: $0.action.rawValue, reason: $0.reason)
        }
    }
}
