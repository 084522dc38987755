import ArgumentParser

/// `navarch cordon`: stop placing work on a node.
struct CordonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cordon", abstract: "Mark a node unschedulable.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var node: NodeActionOptions

    func run() async throws {
        try await global.withClient { client in
            let updated = try await client.cordon(node.id, reason: node.reason)
            print(global.output.isStructured ? try Output.render(global.output, updated) : "node \(updated.id) cordoned")
        }
    }
}
