import Foundation
import NavarchClient
import NavarchCore
import NavarchProviders
import NavarchStore
import NavarchTesting
import Testing

@testable import NavarchControlPlane

/// `spot`, `spot_fallback: on-demand` and `placement: cluster` from `navarch up` to the provider.
struct PoolOptionsTests {
    /// A control plane with two fake providers, `east` without spot capacity and `west`.
    func withEastWithoutSpotAndWest(_ body: @Sendable (FakeProvider, FakeProvider, NavarchClient) async throws -> Void) async throws {
        let east = FakeProvider(name: "east")
        let west = FakeProvider(name: "west")
        east.setSpotCapacity(false)
        var configuration = testConfiguration(defaultProvider: "east")
        configuration.heartbeatInterval = .seconds(60)
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: east).with(provider: west)
        try await withControlPlane(plane) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in try await body(east, west, client) }
        }
    }

    @Test(.timeLimit(.minutes(1))) func aSpotPoolWithoutSpotCapacityFallsBackToOnDemandAtTheSameProvider() async throws {
        try await withEastWithoutSpotAndWest { east, west, client in
            let pool = try await client.createPool(
                name: "sp", gpuType: "h100", gpus: 8, provider: "east,west",
                poolOptions: PoolOptions(spot: true, spotFallback: .onDemand, placement: .cluster))
            #expect(pool.options == PoolOptions(spot: true, spotFallback: .onDemand, placement: .cluster))
            var requests = east.requests.makeAsyncIterator()
            let request = try #require(await requests.next())
            #expect(request.spot == false, "the machine east gave is on-demand")
            #expect(request.placement == .cluster)
            #expect(west.provisionCalls == 0, "the fallback stays at the same provider")
            let events = try await client.events(pool: "sp")
            let fallback = try #require(events.first { $0.kind == "instance.spot_fallback" })
            #expect(fallback.message.hasPrefix("no spot capacity at east; asking for on-demand: east: no spot capacity for h100"))
            #expect(events.first { $0.kind == "pool.created" }?.message.contains("spot (falls back to on-demand), cluster placement") == true)
            #expect(try await client.pools().first?.options.spot == true)
        }
    }

    @Test(.timeLimit(.minutes(1))) func aSpotPoolWithoutFallbackFailsOverToTheNextProvider() async throws {
        try await withEastWithoutSpotAndWest { east, west, client in
            _ = try await client.createPool(name: "sq", gpuType: "h100", gpus: 8, provider: "east,west", poolOptions: PoolOptions(spot: true))
            var requests = west.requests.makeAsyncIterator()
            let request = try #require(await requests.next())
            #expect(request.spot == true)
            #expect(try await client.events(pool: "sq").contains { $0.kind == "instance.failover" })
            #expect(try await client.events(pool: "sq").allSatisfy { $0.kind != "instance.spot_fallback" })
        }
    }

    @Test func optionsAProviderCannotHonourAreRefusedWhenThePoolIsCreated() async throws {
        let plane = ControlPlane(configuration: testConfiguration(defaultProvider: "local"), store: InMemoryStore()).with(provider: OnDemandOnly())
        try await withControlPlane(plane) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                let cluster = await #expect(throws: NavarchError.self) {
                    try await client.createPool(name: "c", gpuType: "h100", gpus: 8, provider: "local", poolOptions: PoolOptions(placement: .cluster))
                }
                #expect(cluster?.message.contains("provider local cannot place pool c as a cluster") == true)
                let spot = await #expect(throws: NavarchError.self) {
                    try await client.createPool(name: "s", gpuType: "h100", gpus: 8, provider: "local", poolOptions: PoolOptions(spot: true))
                }
                #expect(spot?.message.contains("provider local offers no spot capacity") == true)
                let pools = try await client.pools()
                #expect(pools.isEmpty)
            }
        }
    }

    @Test func optionsAreParsedWithClearErrors() throws {
        #expect(try PoolOptions(spot: true, spotFallback: "on-demand", placement: "cluster") == PoolOptions(spot: true, spotFallback: .onDemand, placement: .cluster))
        #expect(try PoolOptions(spot: false, spotFallback: "none", placement: "none") == PoolOptions())
        #expect(throws: NavarchError.invalidArgument("spot_fallback must be 'on-demand' or 'none', got 'reserved'")) {
            try PoolOptions(spot: true, spotFallback: "reserved", placement: "")
        }
        #expect(throws: NavarchError.invalidArgument("spot_fallback 'on-demand' needs spot: true")) {
            try PoolOptions(spot: false, spotFallback: "on-demand", placement: "")
        }
        #expect(throws: NavarchError.invalidArgument("placement must be 'cluster' or 'none', got 'spread'")) {
            try PoolOptions(spot: false, spotFallback: "", placement: "spread")
        }
    }

    @Test func poolsSavedBeforeOptionsExistedStillLoad() throws {
        let json = #"{"name":"old","provider":"local","gpuType":"h100","gpusPerNode":8,"desiredNodes":1,"createdAt":0,"deleting":false,"nextNodeIndex":1}"#
        let pool = try JSONDecoder().decode(Pool.self, from: Data(json.utf8))
        #expect(pool.options == PoolOptions())
        #expect(pool.nextNodeIndex == 1)
    }
}

/// A provider with neither spot capacity nor placement groups, as the local one and Lambda are.
private struct OnDemandOnly: Provider {
    let name = "local"
    func provision(_ request: ProvisionRequest) async throws -> ProvisionedInstance {
        ProvisionedInstance(instanceID: request.instanceID, providerInstanceID: request.instanceID, nodeID: request.nodeID, pool: request.pool)
    }
    func terminate(_ instance: ProvisionedInstance) async throws {}
    func list() async throws -> [ProvisionedInstance] { [] }
}
