import Foundation
import NavarchClient
import NavarchCore
import NavarchProto
import NavarchProviders
import NavarchStore
import NavarchTesting
import Testing

@testable import NavarchControlPlane

/// A pool that names several providers fails over on a capacity error, and says where it went and why.
struct ProviderFailoverTests {
    @Test(.timeLimit(.minutes(1))) func aCapacityErrorSendsTheReplacementToTheNextProvider() async throws {
        let east = FakeProvider(name: "east")
        let west = FakeProvider(name: "west")
        east.failNextProvisions(1, with: CloudAPIError(
            provider: "east", operation: "RunInstances", kind: .capacity, status: 500, code: "InsufficientInstanceCapacity",
            message: "We currently do not have sufficient p5.48xlarge capacity"))
        var configuration = testConfiguration(defaultProvider: "east")
        configuration.heartbeatInterval = .seconds(60)
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: east).with(provider: west)
        try await withControlPlane(plane) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                let pool = try await client.createPool(name: "fo", gpuType: "h100", gpus: 8, provider: "east,west")
                #expect(pool.provider == "east,west")
                var requests = west.requests.makeAsyncIterator()
                let request = try #require(await requests.next())
                #expect(request.nodeID == "fo-1")
                let instances = try await client.instances(pool: "fo")
                #expect([.failed, .terminating, .terminated].contains(instances.first { $0.nodeID == "fo-0" }?.state))
                #expect(instances.first { $0.nodeID == "fo-0" }?.provider == "east")
                #expect(instances.first { $0.nodeID == "fo-1" }?.provider == "west")
                let failover = try #require(try await client.events(pool: "fo").first { $0.kind == "instance.failover" })
                #expect(failover.message.contains("node fo-1 goes to west: no capacity at east: east RunInstances: InsufficientInstanceCapacity (HTTP 500)"))
                await #expect(throws: NavarchError.self) { try await client.createPool(name: "bad", gpuType: "h100", gpus: 8, provider: "east,mars") }
            }
        }
    }

    /// A replacement goes where the replaced machine was (same provider, region and type) when
    /// that provider has capacity, whatever the pool's strategy would pick next.
    @Test(.timeLimit(.minutes(1))) func aReplacementPrefersTheReplacedMachinesProvider() async throws {
        let east = FakeProvider(name: "east")
        let west = FakeProvider(name: "west")
        var configuration = testConfiguration(defaultProvider: "east")
        configuration.heartbeatInterval = .seconds(60)
        var definition = PoolDefinition(name: "rp", provider: "east,west", gpuType: "h100", gpus: 16)
        definition.strategy = .roundRobin
        configuration.pools = [definition]
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: east).with(provider: west)
        try await withControlPlane(plane) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                var eastRequests = east.requests.makeAsyncIterator()
                var westRequests = west.requests.makeAsyncIterator()
                let onEast = try #require(await eastRequests.next())
                let onWest = try #require(await westRequests.next())
                try await withNodeClient(endpoints) { agent in
                    for request in [onEast, onWest] { _ = try await agent.register(registration(node: request.nodeID, instance: request.instanceID)) }
                    var report = Navarch_V1_ReportHealthRequest()
                    report.nodeID = onWest.nodeID
                    report.health = .unhealthy
                    report.reason = "XID 54"
                    var observation = Navarch_V1_HealthObservation()
                    observation.kind = "xid"
                    observation.code = 54
                    observation.verdict = .unhealthy
                    observation.action = "replace"
                    report.observations = [observation]
                    _ = try await agent.reportHealth(report)
                }
                let replacement = try #require(await westRequests.next())
                let instances = try await client.instances(pool: "rp")
                #expect(instances.first { $0.nodeID == replacement.nodeID }?.replacesInstanceID == onWest.instanceID)
                #expect(east.provisionCalls == 1, "round-robin would have picked east next; the replacement stays on west")
            }
        }
    }

    @Test func strategiesRankProviders() async throws {
        let h100 = try InstanceTypeCatalog.named("h100")
        let options = ["aws", "gcp", "lambda"].map { ProvisionOption(provider: $0, instanceType: h100) }
        #expect(try PriorityScheduler().choose(from: options)?.provider == "aws")
        #expect(try PriorityScheduler(order: ["lambda", "aws"]).choose(from: options)?.provider == "lambda")
        // Lambda's 8x H100 is the cheapest per GPU-hour in the catalog.
        #expect(try CheapestScheduler().choose(from: options)?.provider == "lambda")
        let robin = RoundRobinScheduler()
        var picks: [String] = []
        var live: [String: Int] = [:]
        for _ in 0..<6 {
            let option = try #require(try robin.choose(from: options, context: SchedulingContext(pool: "p", instancesByProvider: live)))
            live[option.provider, default: 0] += 1
            picks.append(option.provider)
        }
        #expect(picks == ["aws", "gcp", "lambda", "aws", "gcp", "lambda"])
        #expect(ProvisioningStrategy(rawValue: "round-robin") == .roundRobin)
    }
}
