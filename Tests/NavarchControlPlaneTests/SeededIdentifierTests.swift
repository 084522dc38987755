import Foundation
import NavarchClient
import NavarchControlPlane
import NavarchCore
import NavarchProviders
import NavarchStore
import NavarchTesting
import Testing

@Suite struct SeededIdentifierTests {
    /// Two control planes with the same seed and the same requests buy instances with the same ids.
    @Test func theSameSeedGivesTheSameInstanceIds() async throws {
        func instanceIDs(seed: UInt64) async throws -> [String] {
            let provider = FakeProvider()
            let plane = ControlPlane(configuration: testConfiguration(), store: InMemoryStore())
                .with(provider: provider).with(clock: ManualClock()).with(ids: .seeded(seed))
            return try await withFleet(plane) { client, _ in
                _ = try await client.createPool(name: "demo", gpuType: "h100", gpus: 24)
                try await eventually("three bought") { provider.provisionCalls == 3 }
                return try await client.instances(pool: "demo").map(\.id).sorted()
            }
        }
        let first = try await instanceIDs(seed: 11)
        #expect(first.count == 3)
        #expect(try await instanceIDs(seed: 11) == first)
        #expect(try await instanceIDs(seed: 12) != first)
    }
}
