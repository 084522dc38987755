import ArgumentParser
import Foundation
import NavarchClient
import NavarchCore

/// `navarch status`: pools and nodes at a glance. Pools are summarised from the control
/// plane's counts; nodes are fetched and printed a page at a time, so a fleet of any size
/// fits in one answer's size limit and starts printing at once.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show pools, nodes, GPUs and their health.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Nodes fetched per request (at most \(NodeQuery.maximumPageSize)).")
    var pageSize = NodeQuery.defaultPageSize

    struct Report: Encodable {
        let pools: [PoolSummary]
        let nodes: [Node]
        let breakers: [BreakerStatus]
    }

    struct PoolSummary: Encodable {
        let pool: Pool
        let counts: PoolCounts
    }

    func validate() throws {
        guard (1...NodeQuery.maximumPageSize).contains(pageSize) else {
            throw ValidationError("--page-size must be between 1 and \(NodeQuery.maximumPageSize), got \(pageSize)")
        }
    }

    func run() async throws {
        try await global.withClient { client in
            async let listed = client.poolsWithCounts()
            async let info = client.serverInfo()
            let (pools, counts) = try await listed
            let breakers = try await info.breakers
            let summaries = pools.map { PoolSummary(pool: $0, counts: counts[$0.name] ?? PoolCounts()) }
            if global.output.isStructured {
                var nodes: [Node] = []
                try await client.forEachNodePage(pageSize: pageSize) { nodes += $0.nodes.filter { $0.state != .terminated } }
                print(try Output.render(global.output, Report(pools: summaries, nodes: nodes, breakers: breakers)))
                return
            }
            for breaker in breakers where breaker.open {
                print("CIRCUIT BREAKER OPEN (\(breaker.scope), \(Output.age(breaker.since)) ago): \(breaker.reason)")
                if breaker.scope.hasPrefix("provisioning ") {
                    print("  nothing more is bought for the pool; `navarch breaker reset \(breaker.scope.dropFirst(13))` resumes provisioning")
                } else {
                    print("  automatic terminations are stopped; `navarch breaker reset \(breaker.scope.hasPrefix("pool ") ? String(breaker.scope.dropFirst(5)) : breaker.scope)` resumes them")
                }
            }
            let liveNodes = counts.values.reduce(0) { $0 + $1.nodes }
            if pools.isEmpty && liveNodes == 0 {
                print("no pools; create one with `navarch up --gpus 8 --type h100 --name NAME`")
                return
            }
            if !pools.isEmpty {
                print(Output.table(
                    ["POOL", "PROVIDER", "TYPE", "NODES", "HEALTHY", "GPUS", "STATUS"],
                    summaries.map { summary in
                        let pool = summary.pool, counts = summary.counts
                        return [
                            pool.name, pool.provider, pool.gpuType, "\(counts.nodes)/\(pool.desiredNodes)", "\(counts.readyNodes)",
                            "\(counts.readyGPUs)/\(pool.desiredNodes * pool.gpusPerNode)",
                            pool.deleting ? "deleting" : (counts.readyNodes >= pool.desiredNodes ? "ready" : "converging"),
                        ]
                    }))
            }
            guard liveNodes > 0 else { return }
            print("")
            var printer = Output.NodeTablePrinter(wide: global.output == .wide)
            try await client.forEachNodePage(pageSize: pageSize) { page in
                printer.print(page.nodes.filter { $0.state != .terminated })
            }
        }
    }
}
