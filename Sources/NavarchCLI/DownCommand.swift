import ArgumentParser
import NavarchClient

/// `navarch down`: terminates every instance of a pool and removes it.
struct DownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "down", abstract: "Tear down a pool: terminate its instances.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Pool name.")
    var name: String

    @Option(help: "Seconds to wait for the instances to terminate.")
    var timeout = 120

    @Flag(help: "Return once the deletion is requested, without waiting.")
    var noWait = false

    func run() async throws {
        try await global.withClient { client in
            let pool = try await client.deletePool(name: name)
            if global.output == .table { print("pool \(pool.name): terminating its instances") }
            if !noWait {
                try await PoolWaiter(client: client, pool: name, timeout: .seconds(timeout), quiet: global.output.isStructured).waitUntilGone()
            }
            if global.output.isStructured {
                print(try Output.render(global.output, ["pool": name, "status": noWait ? "deleting" : "deleted"]))
            } else if !noWait {
                print("pool \(name) is down")
            }
        }
    }
}
