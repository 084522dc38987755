import NavarchCore
import NavarchProviders
import Testing

@Suite struct FakeProviderTests {
    @Test func recordsProvisionsFailuresAndTerminations() async throws {
        let provider = FakeProvider()
        let request = ProvisionRequest(instanceID: "i-1", nodeID: "n-0", pool: "p", instanceType: try InstanceTypeCatalog.named("l4"), controlPlaneAddress: "x:1")
        provider.failNextProvisions(1, with: NavarchError(.capacity, "no L4 in zone"))
        await #expect(throws: NavarchError.self) { try await provider.provision(request) }
        let machine = try await provider.provision(request)
        #expect(try await provider.provision(request) == machine)
        #expect(provider.provisionCalls == 3)
        #expect(try await provider.list() == [machine])
        try await provider.terminate(machine)
        #expect(try await provider.list().isEmpty)
        #expect(provider.terminated == ["i-1"])
    }
}
