import Foundation
import NavarchCore
import NavarchProcess

/// Tells Slurm through `scontrol`: `update nodename=X state=drain reason=...` to cordon and
/// drain (Slurm's drain lets running jobs finish and takes no new ones), `show node X` until its
/// state is drained (`IDLE+DRAIN`, or `DOWN+DRAIN` with no job left), and `state=resume` to put
/// it back. The Slurm node name is the node's `slurm.node` label, else its short host name,
/// else its id.
public struct SlurmCoordinator: Coordinator {
    public let name = "slurm"
    let runner: CommandRunner
    let scontrol: String

    /// - Parameter scontrol: the `scontrol` to run (found on `runner`'s path).
    public init(runner: CommandRunner = CommandRunner(), scontrol: String = "scontrol") {
        self.runner = runner
        self.scontrol = scontrol
    }

    public static func slurmName(of node: CoordinatedNode) -> String {
        if let label = node.labels["slurm.node"], !label.isEmpty { return label }
        if let short = node.hostname.split(separator: ".").first, !short.isEmpty { return String(short) }
        return node.id
    }

    public func cordon(_ node: CoordinatedNode, reason: String) async throws {
        try await drain(node, reason: reason)
    }

    public func uncordon(_ node: CoordinatedNode) async throws {
        _ = try await run(["update", "nodename=\(Self.slurmName(of: node))", "state=resume"])
    }

    public func drain(_ node: CoordinatedNode, reason: String) async throws {
        let why = "navarch: \(reason)".replacingOccurrences(of: "\n", with: " ")
        _ = try await run(["update", "nodename=\(Self.slurmName(of: node))", "state=drain", "reason=\(why)"])
    }

    public func isDrained(_ node: CoordinatedNode) async throws -> Bool {
        let output = try await run(["show", "node", Self.slurmName(of: node)])
        guard let state = Self.field("State", in: output) else {
            throw CoordinatorError(name, "scontrol show node \(Self.slurmName(of: node)) gave no State: \(output.prefix(200))")
        }
        return Self.isDrained(state: state)
    }

    /// `IDLE+DRAIN` and `DOWN+DRAIN` are drained; `MIXED+DRAIN` and `ALLOCATED+DRAIN` are draining.
    public static func isDrained(state: String) -> Bool {
        let flags = state.uppercased().split(separator: "+").map(String.init)
        guard flags.contains("DRAIN") || flags.contains("DRAINED") else { return false }
        return !(flags.contains("ALLOCATED") || flags.contains("MIXED") || flags.contains("COMPLETING"))
    }

    /// The value of `Name=value` in `scontrol show` output.
    static func field(_ name: String, in output: String) -> String? {
        for word in output.split(whereSeparator: { $0 == " " || $0 == "\n" }) where word.hasPrefix(name + "=") {
            return String(word.dropFirst(name.count + 1))
        }
        return nil
    }

    func run(_ arguments: [String]) async throws -> String {
        guard let output = try await runner.run(scontrol, arguments, timeout: .seconds(30)) else {
            throw CoordinatorError(name, "\(scontrol) is not installed")
        }
        guard !output.timedOut else { throw CoordinatorError(name, "scontrol \(arguments.joined(separator: " ")) did not finish within 30 s") }
        guard output.status == 0 else {
            throw CoordinatorError(name, "scontrol \(arguments.joined(separator: " ")) exited \(output.status): \((output.stderr + output.stdout).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return output.stdout
    }
}
