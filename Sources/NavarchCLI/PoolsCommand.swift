import ArgumentParser
import Foundation
import NavarchCore

/// `navarch pools list|create|scale|delete|report-queue`.
struct PoolsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pools", abstract: "List, create, scale and delete pools; report their job queues.",
        subcommands: [List.self, Create.self, Scale.self, Delete.self, ReportQueue.self], defaultSubcommand: List.self)

    /// The pool table; `wide` adds GPUs per node, spot, placement, labels and the creation time.
    static func rows(_ pools: [Pool], wide: Bool = false) -> String {
        let header = ["POOL", "PROVIDER", "TYPE", "DESIRED", "BOUNDS", "AUTOSCALER", "QUEUE", "STATUS"]
        return Output.table(
            wide ? header + ["GPUS/NODE", "SPOT", "PLACEMENT", "LABELS", "CREATED"] : header,
            pools.map { pool in
                let row = [
                    pool.name, pool.provider, pool.gpuType, "\(pool.desiredNodes)",
                    pool.minNodes > 0 || pool.maxNodes > 0 ? "\(pool.minNodes)-\(pool.maxNodes)" : "-",
                    pool.autoscalerSummary.isEmpty ? "-" : pool.autoscalerSummary, "\(pool.queueDepth)", pool.deleting ? "deleting" : "ok",
                ]
                guard wide else { return row }
                let spot = pool.options.spot ? (pool.options.spotFallback == .none ? "yes" : "yes, else \(pool.options.spotFallback.rawValue)") : "no"
                let labels = pool.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                return row + [
                    "\(pool.gpusPerNode)", spot, pool.options.placement == .none ? "-" : pool.options.placement.rawValue,
                    labels.isEmpty ? "-" : labels, Timestamp.iso8601(pool.createdAt),
                ]
            })
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List pools.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.withClient { client in
                let pools = try await client.pools()
                print(global.output.isStructured ? try Output.render(global.output, pools) : PoolsCommand.rows(pools, wide: global.output == .wide))
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create", abstract: "Create a pool without waiting for it (see `navarch up` to wait).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Pool name.")
        var name: String

        @OptionGroup var machines: PoolSpecOptions

        @Option(help: "Total GPUs wanted, rounded up to whole nodes (default: --min nodes).")
        var gpus = 0

        @Option(help: "Fewest nodes the pool keeps.")
        var min = 0

        @Option(help: "Most nodes the pool may grow to.")
        var max = 0

        @Option(name: .customLong("label"), help: "A label every node carries, key=value (repeatable).")
        var labels: [String] = []

        func validate() throws {
            guard gpus >= 0, min >= 0, max >= 0 else { throw ValidationError("--gpus, --min and --max must not be negative") }
            guard gpus > 0 || min > 0 else { throw ValidationError("give --gpus or --min") }
            guard max == 0 || min <= max else { throw ValidationError("--min \(min) is more than --max \(max)") }
            _ = try parsedLabels()
        }

        func parsedLabels() throws -> [String: String] {
            var result: [String: String] = [:]
            for label in labels {
                let parts = label.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--label '\(label)' is not key=value") }
                result[parts[0]] = parts[1]
            }
            return result
        }

        func run() async throws {
            let labels = try parsedLabels()
            try await global.withClient { client in
                let pool = try await client.createPool(
                    name: name, gpuType: machines.type, gpus: gpus, provider: machines.provider, poolOptions: try machines.poolOptions(),
                    minNodes: min, maxNodes: max, labels: labels)
                print(global.output.isStructured ? try Output.render(global.output, pool) : "pool \(pool.name) created: \(pool.desiredNodes) node(s) of \(pool.gpuType) on \(pool.provider)")
            }
        }
    }

    struct Scale: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "scale", abstract: "Set a pool's desired number of nodes.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Pool name.")
        var name: String

        @Option(help: "Desired nodes.")
        var nodes: Int

        func run() async throws {
            try await global.withClient { client in
                let pool = try await client.scalePool(name: name, desiredNodes: nodes)
                print(global.output.isStructured ? try Output.render(global.output, pool) : "pool \(pool.name) scaled to \(pool.desiredNodes) node(s)")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete", abstract: "Delete a pool: every node is terminated (see `navarch down` to wait).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Pool name.")
        var name: String

        func run() async throws {
            try await global.withClient { client in
                let pool = try await client.deletePool(name: name)
                print(global.output.isStructured ? try Output.render(global.output, pool) : "pool \(pool.name) is being deleted")
            }
        }
    }

    struct ReportQueue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report-queue", abstract: "Report the jobs waiting for a pool (and running per node), for its queue autoscaler.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Pool name.")
        var pool: String

        @Option(help: "Jobs waiting.")
        var depth: Int

        @Option(name: .customLong("node-jobs"), help: "Jobs running on a node, node=count (repeatable).")
        var nodeJobs: [String] = []

        func validate() throws {
            guard depth >= 0 else { throw ValidationError("--depth must not be negative, got \(depth)") }
            _ = try parsedJobs()
        }

        func parsedJobs() throws -> [String: Int] {
            var result: [String: Int] = [:]
            for entry in nodeJobs {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let count = Int(parts[1]), count >= 0 else {
                    throw ValidationError("--node-jobs '\(entry)' is not node=count")
                }
                result[parts[0]] = count
            }
            return result
        }

        func run() async throws {
            let jobs = try parsedJobs()
            try await global.withClient { client in
                let updated = try await client.reportQueue(pool: pool, depth: depth, nodeJobs: jobs)
                print(global.output.isStructured ? try Output.render(global.output, updated) : "pool \(updated.name): \(updated.queueDepth) job(s) waiting")
            }
        }
    }
}
