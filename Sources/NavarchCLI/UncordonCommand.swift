import ArgumentParser

/// `navarch uncordon`: put a node back into service.
struct UncordonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uncordon",
        abstract: "Mark a node schedulable again.",
        discussion: """
            A node that is unhealthy, or under repair, goes back in service only after it passes \
            validation; --force puts it back on your word, and the audit record says so.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Node id.")
    var id: String

    @Flag(help: "Put an unhealthy or unvalidated node back in service anyway (recorded).")
    var force = false

    @Option(help: "Why, for the audit record.")
    var reason = ""

    func run() async throws {
        try await global.withClient { client in
            let node = try await client.uncordon(id, force: force, reason: reason)
            print(global.output.isStructured ? try Output.render(global.output, node) : "node \(node.id) uncordoned\(force ? " (forced)" : "")")
        }
    }
}
