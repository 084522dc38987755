import ArgumentParser

/// `navarch cordon`: stop placing work on a node.
struct CordonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cordon", abstract: "Mark a node unschedulable.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Node id.")
    var id: String

    @Option(help: "Why, for the record.")
    var reason = ""

    func run() async throws {
        try await global.withClient { client in
            let node = try await client.cordon(id, reason: reason)
            print(global.output == .json ? try Output.json(node) : "node \(node.id) cordoned")
        }
    }
}
