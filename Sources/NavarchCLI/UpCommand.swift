import ArgumentParser
import Foundation
import NavarchClient
import NavarchCore

/// `navarch up`: creates a pool and waits until every node is registered and healthy.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up", abstract: "Request GPUs: create a pool and wait until its nodes are healthy.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Total GPUs wanted; rounded up to whole nodes.")
    var gpus: Int

    @Option(help: "Pool name; nodes are named <name>-0, <name>-1, ...")
    var name: String

    @OptionGroup var machines: PoolSpecOptions

    @Option(help: "Seconds to wait for the nodes to be healthy.")
    var timeout = 180

    @Flag(help: "Return once the pool is created, without waiting.")
    var noWait = false

    func validate() throws {
        guard gpus > 0 else { throw ValidationError("--gpus must be at least 1, got \(gpus)") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        do { try Pool.validate(name: name) } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        try await global.withClient { client in
            let pool = try await client.createPool(
                name: name, gpuType: machines.type, gpus: gpus, provider: machines.provider, poolOptions: try machines.poolOptions())
            if global.output == .table {
                let options = pool.options.summary.isEmpty ? "" : ", \(pool.options.summary)"
                print("pool \(pool.name): \(pool.desiredNodes) node(s) of \(pool.gpusPerNode) \(pool.gpuType) GPU(s) on \(pool.provider)\(options)")
            }
            if noWait {
                if global.output.isStructured { print(try Output.render(global.output, pool)) }
                return
            }
            let nodes = try await PoolWaiter(client: client, pool: pool.name, timeout: .seconds(timeout), quiet: global.output.isStructured)
                .waitUntilHealthy(desired: pool.desiredNodes)
            if global.output.isStructured {
                print(try Output.render(global.output, nodes))
            } else {
                print("pool \(pool.name) is up: \(nodes.count) node(s), \(nodes.reduce(0) { $0 + $1.gpus.count }) GPU(s), all healthy")
            }
        }
    }
}

/// Watches a pool come up (or go away), printing progress as it changes.
struct PoolWaiter {
    let client: NavarchClient
    let pool: String
    let timeout: Duration
    let quiet: Bool

    func say(_ line: String) {
        if !quiet { print(line); Output.flush() }
    }

    /// Returns the healthy nodes once `desired` are registered, active and healthy.
    func waitUntilHealthy(desired: Int) async throws -> [Node] {
        let deadline = ContinuousClock.now + timeout
        var lastLine = ""
        var reportedFailures = Set<String>()
        while true {
            let instances = try await client.instances(pool: pool).filter { $0.state != .terminated }
            let nodes = try await client.nodes(pool: pool)
            let live = instances.filter(\.state.isLive)
            let registered = live.filter { [.registered, .running].contains($0.state) }
            let ready = nodes.filter { node in
                node.health == .healthy && node.state == .active
                    && live.contains { $0.nodeID == node.id && $0.state == .running && !$0.condemned }
            }
            for instance in instances where instance.state == .failed && !reportedFailures.contains(instance.id) {
                reportedFailures.insert(instance.id)
                say("  instance \(instance.id) (node \(instance.nodeID)) failed: \(instance.failureReason)")
            }
            let line = "  \(pool): \(live.count) requested, \(registered.count)/\(desired) registered, \(ready.count)/\(desired) healthy"
            if line != lastLine {
                say(line)
                lastLine = line
            }
            if ready.count >= desired { return ready.sorted { $0.id.localizedStandardCompare($1.id) == .orderedAscending } }
            if reportedFailures.count > desired {
                throw NavarchError.failedPrecondition(
                    "pool \(pool) is not coming up: \(reportedFailures.count) instance(s) failed; see `navarch events --pool \(pool)`")
            }
            if ContinuousClock.now >= deadline {
                let unhealthy = nodes.filter { $0.health != .healthy }.map { "\($0.id): \($0.health.rawValue) \($0.healthReason)" }
                throw NavarchError.failedPrecondition(
                    "timed out after \(timeout.components.seconds) s with \(ready.count)/\(desired) node(s) healthy"
                        + (unhealthy.isEmpty ? "" : " (\(unhealthy.joined(separator: "; ")))")
                        + "; see `navarch events --pool \(pool)`")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Returns once the pool no longer exists.
    func waitUntilGone() async throws {
        let deadline = ContinuousClock.now + timeout
        var lastLine = ""
        while true {
            guard try await client.pools().contains(where: { $0.name == pool }) else { return }
            let remaining = try await client.instances(pool: pool).filter { $0.state != .terminated }
            let line = "  \(pool): \(remaining.count) instance(s) still terminating"
            if line != lastLine {
                say(line)
                lastLine = line
            }
            if ContinuousClock.now >= deadline {
                throw NavarchError.failedPrecondition(
                    "timed out after \(timeout.components.seconds) s with \(remaining.count) instance(s) of \(pool) not terminated")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}
