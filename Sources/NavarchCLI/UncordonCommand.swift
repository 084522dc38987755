import ArgumentParser

/// `navarch uncordon`: put a node back into service.
struct UncordonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "uncordon", abstract: "Mark a node schedulable again.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Node id.")
    var id: String

    func run() async throws {
        try await global.withClient { client in
            let node = try await client.uncordon(id)
            print(global.output == .json ? try Output.json(node) : "node \(node.id) uncordoned")
        }
    }
}
