import ArgumentParser
import NavarchCore
import NavarchClient

/// `navarch diag`: active diagnostics.
struct DiagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diag", abstract: "Run active GPU diagnostics.", subcommands: [RunDiagCommand.self])
}

/// `navarch diag run NODE --level 2`.
struct RunDiagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Drain a node, run a diagnostic on it, then return it to service on a pass or remediate it on a failure.",
        discussion: "Suites: dcgm (dcgmi diag -r LEVEL, plus gpu_burn at level 3 and 4 where installed), nvbandwidth, nccl (all_reduce_perf). A tool that is not installed is a skipped check. Results arrive as events: navarch events --node NODE.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Node id.")
    var node: String

    @Option(help: "DCGM diagnostic level, 1 (seconds) to 4 (hours).")
    var level = 1

    @Option(help: "dcgm, nvbandwidth or nccl.")
    var suite = "dcgm"

    func validate() throws {
        guard (1...4).contains(level) else { throw ValidationError("--level must be 1, 2, 3 or 4, got \(level)") }
        guard DiagnosticSchedule.suites.contains(suite) else {
            throw ValidationError("unknown suite '\(suite)'; choose \(DiagnosticSchedule.suites.joined(separator: ", "))")
        }
    }

    func run() async throws {
        try await global.withClient { client in
            let (updated, commandID) = try await client.runDiagnostic(node, suite: suite, level: level)
            if global.output.isStructured {
                struct Started: Encodable { var node: String; var state: String; var command: String }
                print(try Output.render(global.output, Started(node: updated.id, state: updated.state.rawValue, command: commandID)))
            } else {
                print("diagnostic \(suite) level \(level) started on \(updated.id) (now \(updated.state.rawValue)); follow it with: navarch events --node \(updated.id) --follow")
            }
        }
    }
}
