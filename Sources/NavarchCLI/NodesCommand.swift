import ArgumentParser
import Foundation
import NavarchCore

/// `navarch nodes list|get`.
struct NodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: "List nodes or show one.", subcommands: [List.self, Get.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List nodes.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "Only nodes of this pool.")
        var pool: String?

        @Flag(help: "Include terminated nodes.")
        var all = false

        func run() async throws {
            try await global.withClient { client in
                let nodes = try await client.nodes(pool: pool).filter { all || $0.state != .terminated }
                print(global.output == .json ? try Output.json(nodes) : Output.nodeRows(nodes))
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Show one node and its GPUs.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Node id.")
        var id: String

        func run() async throws {
            try await global.withClient { client in
                let node = try await client.node(id)
                if global.output == .json {
                    print(try Output.json(node))
                    return
                }
                print(Output.table(
                    ["FIELD", "VALUE"],
                    [
                        ["id", node.id], ["pool", node.pool], ["instance", node.instanceID], ["provider", node.provider],
                        ["state", node.state.rawValue], ["health", node.health.rawValue], ["health reason", node.healthReason],
                        ["cordon reason", node.cordonReason], ["hostname", node.hostname], ["agent", node.agentVersion],
                        ["registered", Timestamp.iso8601(node.registeredAt)], ["last heartbeat", Output.age(node.lastHeartbeat)],
                    ]))
                print("")
                print(Output.table(
                    ["GPU", "MODEL", "PCI BUS ID", "UUID", "MEMORY", "TEMP", "POWER", "HEALTH"],
                    node.gpus.map { gpu in
                        [
                            "\(gpu.index)", gpu.model, gpu.pciBusID, gpu.uuid, "\(gpu.memoryTotalMiB) MiB",
                            String(format: "%.0f C", gpu.temperatureCelsius), String(format: "%.0f W", gpu.powerWatts),
                            gpu.health.rawValue + (gpu.healthReason.isEmpty ? "" : ": \(gpu.healthReason)"),
                        ]
                    }))
            }
        }
    }
}
