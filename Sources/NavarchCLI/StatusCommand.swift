import ArgumentParser
import Foundation
import NavarchClient
import NavarchCore

/// `navarch status`: pools and nodes at a glance.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show pools, nodes, GPUs and their health.")

    @OptionGroup var global: GlobalOptions

    struct Report: Encodable {
        let pools: [Pool]
        let nodes: [Node]
        let breakers: [BreakerStatus]
    }

    func run() async throws {
        try await global.withClient { client in
            async let pools = client.pools()
            async let nodes = client.nodes()
            async let info = client.serverInfo()
            let report = Report(pools: try await pools, nodes: try await nodes.filter { $0.state != .terminated }, breakers: try await info.breakers)
            if global.output == .json {
                print(try Output.json(report))
                return
            }
            for breaker in report.breakers where breaker.open {
                print("CIRCUIT BREAKER OPEN (\(breaker.scope), \(Output.age(breaker.since)) ago): \(breaker.reason)")
                if breaker.scope.hasPrefix("provisioning ") {
                    print("  nothing more is bought for the pool; `navarch breaker reset \(breaker.scope.dropFirst(13))` resumes provisioning")
                } else {
                    print("  automatic terminations are stopped; `navarch breaker reset \(breaker.scope.hasPrefix("pool ") ? String(breaker.scope.dropFirst(5)) : breaker.scope)` resumes them")
                }
            }
            if report.pools.isEmpty && report.nodes.isEmpty {
                print("no pools; create one with `navarch up --gpus 8 --type h100 --name NAME`")
                return
            }
            print(Output.table(
                ["POOL", "PROVIDER", "TYPE", "NODES", "HEALTHY", "GPUS", "STATUS"],
                report.pools.map { pool in
                    let members = report.nodes.filter { $0.pool == pool.name }
                    let healthy = members.filter { $0.health == .healthy && $0.state == .active }
                    return [
                        pool.name, pool.provider, pool.gpuType, "\(members.count)/\(pool.desiredNodes)", "\(healthy.count)",
                        "\(healthy.reduce(0) { $0 + $1.gpus.count })/\(pool.desiredNodes * pool.gpusPerNode)",
                        pool.deleting ? "deleting" : (healthy.count >= pool.desiredNodes ? "ready" : "converging"),
                    ]
                }))
            if !report.nodes.isEmpty {
                print("")
                print(Output.nodeRows(report.nodes))
            }
        }
    }
}
