import Foundation
import NavarchClient
import NavarchCore
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
            try await NavarchClient.with(server: endpoints.grpcAddress) { client in
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

    @Test func strategiesRankProviders() async throws {
        let h100 = try InstanceTypeCatalog.named("h100")
        let options = ["aws", "gcp", "lambda"].map { ProvisionOption(provider: $0, instanceType: h100) }
        #expect(try await PriorityScheduler().choose(from: options)?.provider == "aws")
        #expect(try await PriorityScheduler(order: ["lambda", "aws"]).choose(from: options)?.provider == "lambda")
        // Lambda's 8x H100 is the cheapest per GPU-hour in the catalog.
        #expect(try await CheapestScheduler().choose(from: options)?.provider == "lambda")
        let robin = RoundRobinScheduler()
        var picks: [String] = []
        for _ in 0..<6 {
            let option = try #require(try await robin.choose(from: options))
            await robin.chose(option)
            picks.append(option.provider)
        }
        #expect(picks == ["aws", "gcp", "lambda", "aws", "gcp", "lambda"])
        #expect(ProvisioningStrategy(rawValue: "round-robin") == .roundRobin)
    }
}
