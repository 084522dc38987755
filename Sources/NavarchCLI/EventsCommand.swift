import ArgumentParser
import Foundation
import NavarchCore

/// `navarch events [--follow]`: what happened in the fleet.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Show fleet events; --follow streams new ones.")

    @OptionGroup var global: GlobalOptions

    @Flag(name: [.short, .long], help: "Keep streaming new events.")
    var follow = false

    @Option(help: "Only events of this node.")
    var node: String?

    @Option(help: "Only events of this pool.")
    var pool: String?

    @Option(help: "Show at most this many past events (the most recent ones).")
    var limit = 100

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must not be negative") }
    }

    func run() async throws {
        let json = global.output.isStructured
        let node = node, pool = pool
        try await global.withClient { client in
            var all: [FleetEvent] = []
            var after: Int64 = 0
            while true {
                let page = try await client.events(after: after, limit: 1000, nodeID: node, pool: pool)
                all.append(contentsOf: page)
                guard let last = page.last, page.count == 1000 else { break }
                after = last.sequence
            }
            let shown = all.suffix(limit)
            if json && !follow {
                print(try Output.render(global.output, Array(shown)))
                return
            }
            for event in shown { print(json ? try Self.jsonLine(event) : LogNotifier.format(event)) }
            Output.flush()
            guard follow else { return }
            try await client.watchEvents(after: all.last?.sequence ?? 0, nodeID: node, pool: pool) { event in
                print(json ? try Self.jsonLine(event) : LogNotifier.format(event))
                Output.flush()
                return true
            }
        }
    }

    static func jsonLine(_ event: FleetEvent) throws -> String {
        try Output.json(event).replacingOccurrences(of: "\n", with: "").replacingOccurrences(of: "  ", with: "")
    }
}
