import ArgumentParser
import Foundation
import NavarchCore
import NavarchHealth

/// `navarch nodes list|get`.
struct NodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: "List nodes or show one.", subcommands: [List.self, Get.self, History.self], defaultSubcommand: List.self)

    /// `navarch nodes history N`: the node's audit trail, oldest first.
    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history", abstract: "Show what happened to a node and who did it: every action with its actor, rule and evidence.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Node id.")
        var id: String

        @Flag(help: "Include every observation and command, not only state changes and actions.")
        var all = false

        /// Kinds that are actions or decisions, as opposed to raw observations.
        static func isAction(_ kind: String) -> Bool {
            kind.hasPrefix("node.") && kind != "node.observation" || kind.hasPrefix("remediation.") || kind.hasPrefix("instance.")
                || kind.hasPrefix("diagnostic.") || kind.hasPrefix("breaker.") || kind.hasPrefix("coordinator.")
        }

        func run() async throws {
            try await global.withClient { client in
                _ = try await client.node(id)
                var events: [FleetEvent] = []
                var after: Int64 = 0
                while true {
                    let page = try await client.events(after: after, limit: 1000, nodeID: id)
                    events.append(contentsOf: page)
                    guard let last = page.last, page.count == 1000 else { break }
                    after = last.sequence
                }
                let shown = all ? events : events.filter { Self.isAction($0.kind) }
                if global.output.isStructured {
                    print(try Output.render(global.output, shown))
                    return
                }
                print(Output.table(
                    ["SEQ", "TIME", "EVENT", "ACTOR", "RULE", "EVIDENCE", "MESSAGE"],
                    shown.map { event in
                        [
                            "\(event.sequence)", Timestamp.iso8601(event.time), event.kind, event.attributes["actor"] ?? "-",
                            event.attributes["rule"] ?? "-", event.attributes["evidence"].map { "#" + $0.replacingOccurrences(of: ",", with: ",#") } ?? "-",
                            event.message,
                        ]
                    }))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List nodes.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "Only nodes of this pool.")
        var pool: String?

        @Option(help: "Only nodes in this state (\(NodeState.allCases.map(\.rawValue).joined(separator: ", "))).")
        var state: NodeState?

        @Option(help: "Only nodes with this health (\(HealthStatus.allCases.map(\.rawValue).joined(separator: ", "))).")
        var health: HealthStatus?

        @Flag(help: "Include terminated nodes.")
        var all = false

        @Flag(help: "With -o json, each GPU's figures (temperature, power, memory, metrics) too.")
        var gpuDetail = false

        func run() async throws {
            try await global.withClient { client in
                let wanted = { (node: Node) in all || state == .terminated || node.state != .terminated }
                if global.output.isStructured {
                    let nodes = try await client.nodes(pool: pool, state: state, health: health, gpuDetail: gpuDetail).filter(wanted)
                    print(try Output.render(global.output, nodes))
                    return
                }
                // Printed a page at a time, so that a large fleet starts printing at once.
                var printer = Output.NodeTablePrinter(wide: global.output == .wide)
                try await client.forEachNodePage(pool: pool, state: state, health: health) { printer.print($0.nodes.filter(wanted)) }
                if printer.printed == 0 { print("no nodes") }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Show one node and its GPUs.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Node id.")
        var id: String

        /// NVML's clock-event reason bits, by name.
        static func throttle(_ mask: Double?) -> String {
            guard let mask else { return "-" }
            let bits = UInt64(mask)
            let names: [(UInt64, String)] = [
                (0x1, "idle"), (0x2, "app-clocks"), (0x4, "sw-power-cap"), (0x8, "hw-slowdown"), (0x10, "sync-boost"),
                (0x20, "sw-thermal"), (0x40, "hw-thermal"), (0x80, "hw-power-brake"), (0x100, "display-clocks"),
            ]
            let active = names.filter { bits & $0.0 != 0 }.map(\.1)
            return active.isEmpty ? "none" : active.joined(separator: ",")
        }

        func run() async throws {
            try await global.withClient { client in
                let node = try await client.node(id)
                if global.output.isStructured {
                    print(try Output.render(global.output, node))
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
                if node.gpus.contains(where: { !$0.metrics.isEmpty }) {
                    // The counters health rules look at; "-" where the backend could not read one.
                    func value(_ gpu: GPU, _ name: String) -> String {
                        gpu.metrics[name].map { $0 == $0.rounded() ? String(Int64($0)) : String(format: "%.1f", $0) } ?? "-"
                    }
                    print("")
                    print(Output.table(
                        ["GPU", "ECC SBE/DBE", "RETIRED (PENDING)", "ROW REMAP PENDING/FAILED", "NVLINK UP/DOWN", "NVLINK ERRORS", "PCIE REPLAYS", "SLOWDOWN MARGIN", "THROTTLE"],
                        node.gpus.map { gpu in
                            [
                                "\(gpu.index)",
                                "\(value(gpu, GPUMetric.eccSingleBitVolatile))/\(value(gpu, GPUMetric.eccDoubleBitVolatile))",
                                "\(value(gpu, GPUMetric.retiredPagesTotal)) (\(value(gpu, GPUMetric.retiredPagesPending)))",
                                "\(value(gpu, GPUMetric.remappedRowsPending))/\(value(gpu, GPUMetric.remappedRowsFailure))",
                                "\(value(gpu, GPUMetric.nvlinkLinksUp))/\(value(gpu, GPUMetric.nvlinkLinksDown))",
                                value(gpu, GPUMetric.nvlinkErrors), value(gpu, GPUMetric.pcieReplayCount),
                                value(gpu, GPUMetric.slowdownMarginCelsius) + " C",
                                Self.throttle(gpu.metrics[GPUMetric.throttleReasons]),
                            ]
                        }))
                }
                let versions = node.labels.filter { $0.key.hasPrefix("nvidia.") }.sorted { $0.key < $1.key }
                if !versions.isEmpty { print("\n" + versions.map { "\($0.key): \($0.value)" }.joined(separator: "  ")) }
                // Where it sits: cloud zone and placement, NVLink and InfiniBand.
                let topology = node.labels.filter { $0.key.hasPrefix("topology.") }.sorted { $0.key < $1.key }
                if !topology.isEmpty {
                    print("\ntopology:")
                    for (key, value) in topology { print("  \(key.dropFirst("topology.".count)): \(value)") }
                }
            }
        }
    }
}
