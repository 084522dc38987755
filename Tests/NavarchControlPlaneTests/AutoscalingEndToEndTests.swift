import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import NavarchClient
import NavarchControlPlane
import NavarchCore
import NavarchHealth
import NavarchProto
import NavarchProviders
import NavarchStore
import NavarchTesting
import Testing

/// Pools from the configuration, the queue autoscaler driven through the API, drain-first
/// scale-down and provider rate limits, with agents simulated over real gRPC.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AutoscalingEndToEndTests {
    @Test func aConfiguredPoolScalesWithItsQueueAndDrainsBeforeScalingDown() async throws {
        var configuration = RemediationLadderEndToEndTests.quietConfiguration()
        configuration.autoscaleInterval = .milliseconds(200)
        var autoscaling = PoolAutoscaling(autoscaler: .queue(QueueAutoscaler(jobsPerNode: 2)), scaleUpCooldown: .zero, scaleDownCooldown: .zero)
        autoscaling.scaleDownCooldown = .zero
        var definition = PoolDefinition(name: "batch", provider: "fake", gpuType: "l4", minNodes: 1, maxNodes: 4, labels: ["team": "ml"], autoscaling: autoscaling)
        definition.healthPolicy = try HealthPolicyFile.parse("ignore_xids: [13]\n")
        configuration.pools = [definition]
        let provider = FakeProvider()
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: provider)
        try await withFleet(plane) { client, agent in
            let pool = try #require(try await client.pools().first)
            #expect(pool.name == "batch" && pool.desiredNodes == 1 && pool.minNodes == 1 && pool.maxNodes == 4)
            #expect(pool.autoscalerSummary == "queue 2/node")
            var requests = provider.requests.makeAsyncIterator()
            let first = try #require(await requests.next())
            let registered = try await agent.register(registration(node: first.nodeID, instance: first.instanceID, gpus: 1))
            #expect(registered.healthPolicy.contains("ignore_xids: [13]"), "the pool's own health policy reaches its agents")
            #expect(try await client.node(first.nodeID).labels["team"] == "ml", "the pool's labels reach its nodes")

            // Five jobs waiting at two per node: three nodes.
            _ = try await client.reportQueue(pool: "batch", depth: 5)
            let second = try #require(await requests.next()), third = try #require(await requests.next())
            for request in [second, third] {
                _ = try await agent.register(registration(node: request.nodeID, instance: request.instanceID, gpus: 1))
            }
            try await eventually("three nodes run") { try await client.instances(pool: "batch").filter { $0.state == .running }.count == 3 }
            let scaled = try #require(try await client.events(pool: "batch").last { $0.kind == "pool.scaled" })
            #expect(scaled.attributes["actor"] == "navarch/autoscaler" && scaled.message.contains("5 job(s) waiting"), "\(scaled.message)")

            // The work is done except one job on the second node: back to one node, and
            // the idle ones are drained, then terminated; the busy one stays.
            let received = Recorder<String>()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for node in [first.nodeID, third.nodeID] {
                    group.addTask {
                        try await RemediationLadderEndToEndTests.answerCommands(agent, node: node, received: Recorder()) { command in
                            received.append("\(node) \(command.kind.domain?.rawValue ?? "?")")
                            return (true, "done")
                        }
                    }
                }
                _ = try await client.reportQueue(pool: "batch", depth: 0, nodeJobs: [second.nodeID: 1])
                try await eventually("the idle nodes are terminated") {
                    Set(provider.terminated) == [first.instanceID, third.instanceID]
                }
                group.cancelAll()
            }
            for node in [first.nodeID, third.nodeID] {
                let drain = received.values.firstIndex(of: "\(node) drain"), terminate = received.values.firstIndex(of: "\(node) terminate")
                #expect(drain != nil && (terminate == nil || drain! < terminate!), "\(node) drained before termination: \(received.values)")
            }
            #expect(try await client.pools().first?.desiredNodes == 1)
            #expect(try await client.node(second.nodeID).state == .active, "the busy node stays")
        }
    }

    @Test func provisioningWaitsForThePoolsRateLimit() async throws {
        var configuration = RemediationLadderEndToEndTests.quietConfiguration()
        configuration.rateLimits.provisionsPerPool = 2
        let provider = FakeProvider()
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: provider)
        try await withControlPlane(plane) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                _ = try await client.createPool(name: "wide", gpuType: "l4", gpus: 5)
                try await eventually("the rate limit is recorded") {
                    try await client.events(pool: "wide").contains { $0.kind == "rate_limit.deferred" && $0.message.contains("2/min per pool") }
                }
                // The two admitted calls go; that no third goes within the minute is the
                // admission's own test (ProviderCallAdmissionTests).
                try await eventually("the two admitted calls are made") { provider.provisionCalls == 2 }
                let instances = try await client.instances(pool: "wide")
                #expect(instances.count == 5 && instances.filter { $0.state == .requested }.count == 3, "nothing dropped: the rest wait, requested")
            }
        }
    }
}
