import ArgumentParser

/// `navarch drain`: cordon a node and move its work away.
struct DrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drain", abstract: "Cordon a node and drain its workloads.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Node id.")
    var id: String

    @Option(help: "Why, for the record.")
    var reason = ""

    func run() async throws {
        try await global.withClient { client in
            let node = try await client.drain(id, reason: reason)
            print(global.output == .json ? try Output.json(node) : "node \(node.id) draining")
        }
    }
}
