import ArgumentParser

/// `navarch drain`: cordon a node and move its work away.
struct DrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drain", abstract: "Cordon a node and drain its workloads.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var node: NodeActionOptions

    func run() async throws {
        try await global.withClient { client in
            let updated = try await client.drain(node.id, reason: node.reason)
            print(global.output.isStructured ? try Output.render(global.output, updated) : "node \(updated.id) draining")
        }
    }
}
