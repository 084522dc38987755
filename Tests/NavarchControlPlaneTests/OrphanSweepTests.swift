import Foundation
import NavarchClient
import NavarchCore
import NavarchProviders
import NavarchStore
import NavarchTesting
import Testing

@testable import NavarchControlPlane

/// The periodic sweep terminates machines still alive for terminated instances and reports
/// machines it does not know, once.
struct OrphanSweepTests {
    @Test(.timeLimit(.minutes(1))) func anOrphanIsTerminatedAndAStrangerReportedOnce() async throws {
        let provider = FakeProvider()
        var configuration = testConfiguration()
        configuration.heartbeatInterval = .seconds(60)
        configuration.orphanSweepInterval = .milliseconds(200)
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: provider)
        try await withControlPlane(plane) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                _ = try await client.createPool(name: "sweep", gpuType: "h100", gpus: 8)
                var requests = provider.requests.makeAsyncIterator()
                let request = try #require(await requests.next())
                try await withNodeClient(endpoints) { agent in
                    _ = try await agent.register(registration(node: request.nodeID, instance: request.instanceID))
                }
                _ = try await client.deletePool(name: "sweep")
                try await eventually("the instance is terminated") {
                    try await client.instances(pool: "sweep").first?.state == .terminated
                }
                let terminations = provider.terminated.count
                // The machine comes back (a lost terminate), and a machine nobody here started appears.
                provider.inject(ProvisionedInstance(instanceID: request.instanceID, providerInstanceID: "fake-again", nodeID: request.nodeID, pool: "sweep"))
                provider.inject(ProvisionedInstance(instanceID: "i-stranger", providerInstanceID: "fake-stranger", nodeID: "other-0", pool: "other"))
                try await eventually("the orphan is terminated") { provider.terminated.count > terminations }
                #expect(provider.terminated.last == request.instanceID)
                // Two more sweeps see the stranger again; it is reported once.
                let sweeps = provider.listCalls
                try await eventually("two more sweeps") { provider.listCalls >= sweeps + 2 }
                let kinds = try await client.events().map(\.kind)
                #expect(kinds.contains("instance.orphan"))
                #expect(kinds.filter { $0 == "instance.unknown" }.count == 1)
                #expect(provider.running.map(\.instanceID) == ["i-stranger"])
            }
        }
    }
}
