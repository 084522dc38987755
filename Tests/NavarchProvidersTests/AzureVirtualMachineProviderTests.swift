import Foundation
import NavarchCloudFakes
import NavarchCore
import NavarchProviders
import Testing

/// The Azure provider against a fake built to Azure Resource Manager's documented API, and the
/// fake itself checked against Microsoft's own client library.
struct AzureVirtualMachineProviderTests {
    func setUp(
        capacity: [String: Set<String>], zones: [String] = ["1"], secret: String? = nil, pageSize: Int = 50,
        configure: (inout AzureSettings) -> Void = { _ in }
    ) async throws -> (AzureVirtualMachineProvider, FakeAzureResourceManager, ProviderCallLog) {
        let cloud = FakeAzureResourceManager(capacity: capacity, pageSize: pageSize)
        let base = try await cloud.start()
        var settings = AzureSettings()
        settings.subscriptionID = cloud.subscriptionID
        settings.tenantID = cloud.tenantID
        settings.clientID = cloud.clientID
        settings.resourceGroup = cloud.resourceGroup
        settings.location = cloud.location
        settings.zones = zones
        settings.endpoint = base
        settings.authority = base
        settings.image = "microsoft-dsvm:ubuntu-hpc:2204:latest"
        settings.subnetID = cloud.subnetID
        settings.sshPublicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests navarch"
        settings.operationPollInterval = .milliseconds(20)
        configure(&settings)
        let calls = ProviderCallLog()
        let provider = try AzureVirtualMachineProvider(
            settings: settings, clientSecret: secret ?? cloud.clientSecret, calls: calls, retry: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(20)))
        return (provider, cloud, calls)
    }

    func request(_ id: String, spot: Bool = false, placement: PoolOptions.Placement = .none) throws -> ProvisionRequest {
        ProvisionRequest(
            instanceID: id, nodeID: "az-0", pool: "az", instanceType: try InstanceTypeCatalog.named("h100"),
            controlPlaneAddress: "10.0.0.1:50051", userData: "#cloud-config\nruncmd: [true]\n", spot: spot, placement: placement)
    }

    @Test func createsListsAndDeletesThroughAsyncOperations() async throws {
        let group = "/subscriptions/x/resourceGroups/navarch-rg/providers/Microsoft.Compute/proximityPlacementGroups/gpu"
        let (azure, cloud, calls) = try await setUp(capacity: ["Standard_ND96isr_H100_v5": ["1"]]) { $0.proximityPlacementGroup = group }
        defer { Task { await cloud.stop() } }
        let machine = try await azure.provision(try request("i-0a1b2c3d4e5f6071", spot: true, placement: .cluster))
        #expect(machine.zone == "1")
        #expect(machine.providerInstanceID.hasSuffix("/providers/Microsoft.Compute/virtualMachines/i-0a1b2c3d4e5f6071"))
        let created = try #require(cloud.machines.first)
        #expect(created.provisioningState == "Succeeded")
        #expect(created.size == "Standard_ND96isr_H100_v5")
        #expect(created.priority == "Spot")
        #expect(created.evictionPolicy == "Delete")
        #expect(created.proximityPlacementGroup == group)
        #expect(created.subnetID == cloud.subnetID)
        #expect(Data(base64Encoded: created.customData).map { String(decoding: $0, as: UTF8.self) } == "#cloud-config\nruncmd: [true]\n")
        #expect(created.tags == ["navarch-managed-by": "navarch", "navarch-pool": "az", "navarch-instance-id": "i-0a1b2c3d4e5f6071", "navarch-node-id": "az-0"])

        #expect(try await azure.provision(try request("i-0a1b2c3d4e5f6071")) == machine)
        #expect(cloud.machines.count == 1)
        #expect(try await azure.list() == [machine])
        try await azure.terminate(machine)
        #expect(cloud.machines.isEmpty)
        try await azure.terminate(machine)  // already gone (204): fine
        #expect(cloud.tokensIssued == 1)
        #expect(Set(calls.snapshot.map(\.operation)) == [
            "oauth2.token", "virtualMachines.list", "virtualMachines.createOrUpdate", "operations.get", "virtualMachines.get", "virtualMachines.delete",
        ])
    }

    @Test func aClusterPoolGetsAProximityPlacementGroupMadeForIt() async throws {
        let (azure, cloud, calls) = try await setUp(capacity: ["Standard_ND96isr_H100_v5": ["1"]])
        defer { Task { await cloud.stop() } }
        _ = try await azure.provision(try request("i-00000000000000d1", placement: .cluster))
        _ = try await azure.provision(try request("i-00000000000000d2", placement: .cluster))
        _ = try await azure.provision(try request("i-00000000000000d3"))
        let group = "/subscriptions/\(cloud.subscriptionID)/resourceGroups/navarch-rg/providers/Microsoft.Compute/proximityPlacementGroups/navarch-az"
        #expect(cloud.proximityPlacementGroups == [group.lowercased()])
        #expect(cloud.machines.map(\.proximityPlacementGroup) == [group, group, nil])
        #expect(calls.snapshot.first { $0.operation == "proximityPlacementGroups.createOrUpdate" }?.attempts == 1)
    }

    @Test func allocationFailuresAreTypedTheFailedMachineDeletedAndTheNextZoneTried() async throws {
        let (azure, cloud, _) = try await setUp(capacity: ["Standard_ND96isr_H100_v5": ["2"]], zones: ["1", "2"])
        defer { Task { await cloud.stop() } }
        let machine = try await azure.provision(try request("i-00000000000000a1"))
        #expect(machine.zone == "2")
        #expect(cloud.machines.map(\.name) == ["i-00000000000000a1"])

        cloud.setCapacity("Standard_ND96isr_H100_v5", zones: [])
        let error = try await #require(throws: CloudAPIError.self) { try await azure.provision(try request("i-00000000000000a2")) }
        #expect(error.kind == .capacity)
        #expect(error.code == "ZonalAllocationFailed")
        #expect(error.message.hasPrefix("Allocation failed. We do not have sufficient capacity"))
        // Nothing is left behind: the failed machines were deleted.
        #expect(cloud.machines.map(\.name) == ["i-00000000000000a1"])
    }

    @Test func aSizeTheRegionDoesNotOfferIsSkuNotAvailable() async throws {
        var catalog = OfferingCatalog.builtin
        catalog.offerings = catalog.offerings.map { offering in
            var changed = offering
            if offering.provider == "azure" && offering.gpuType == "h100" { changed.machineType = "Standard_ND96isr_H100_v9" }
            return changed
        }
        let cloud = FakeAzureResourceManager(capacity: [:])
        let base = try await cloud.start()
        defer { Task { await cloud.stop() } }
        var settings = AzureSettings()
        (settings.subscriptionID, settings.tenantID, settings.clientID) = (cloud.subscriptionID, cloud.tenantID, cloud.clientID)
        (settings.resourceGroup, settings.location, settings.endpoint, settings.authority) = (cloud.resourceGroup, cloud.location, base, base)
        (settings.image, settings.subnetID, settings.sshPublicKey) = ("a:b:c:latest", cloud.subnetID, "ssh-ed25519 AAAA")
        let azure = try AzureVirtualMachineProvider(settings: settings, clientSecret: cloud.clientSecret, catalog: catalog)
        let error = try await #require(throws: CloudAPIError.self) { try await azure.provision(try request("i-00000000000000b1")) }
        #expect(error.kind == .capacity)
        #expect(error.code == "SkuNotAvailable")
        #expect(error.status == 409)
        #expect(cloud.machines.isEmpty)
    }

    @Test func aWrongSecretIsRefusedByEntraID() async throws {
        let (azure, cloud, calls) = try await setUp(capacity: [:], secret: "not-the-secret")
        defer { Task { await cloud.stop() } }
        let error = try await #require(throws: CloudAPIError.self) { try await azure.checkCredentials() }
        #expect(error.kind == .authentication)
        #expect(error.code == "invalid_client")
        #expect(error.message.hasPrefix("AADSTS7000215: Invalid client secret provided."))
        #expect(calls.snapshot.first?.attempts == 1)
    }

    @Test func throttlingIsRetriedAfterRetryAfterAndPagesFollowed() async throws {
        let (azure, cloud, calls) = try await setUp(capacity: ["Standard_ND96isr_H100_v5": ["1"]], pageSize: 2)
        defer { Task { await cloud.stop() } }
        for index in 1...3 { _ = try await azure.provision(try request("i-00000000000000c\(index)")) }
        cloud.throttleNext(1)
        #expect(try await azure.list().map(\.instanceID) == (1...3).map { "i-00000000000000c\($0)" })
        let list = try #require(calls.snapshot.first { $0.operation == "virtualMachines.list" })
        #expect(list.failures["throttled"] == 1)
        #expect(cloud.requests.contains { $0.query["$skiptoken"] == "2" })
    }

    @Test func settingsNameWhatIsMissing() throws {
        var settings = AzureSettings()
        let missing = try #require(throws: ProviderConfigurationError.self) { try settings.validate() }
        #expect(missing.description.hasPrefix("azure: providers.azure.subscription_id is required"))
        (settings.subscriptionID, settings.tenantID, settings.clientID, settings.resourceGroup, settings.location) = ("s", "t", "c", "rg", "eastus")
        (settings.image, settings.subnetID, settings.sshPublicKey) = ("ubuntu-latest", "/subscriptions/s/x/subnets/y", "ssh-ed25519 AAAA")
        let image = try #require(throws: ProviderConfigurationError.self) { try settings.validate() }
        #expect(image.description.contains("'ubuntu-latest' is neither a URN"))
    }

    @Test(
        .timeLimit(.minutes(2)),
        .enabled(if: PeerPython.cloudSDKs.unavailableReason == nil, "azure-mgmt-compute cannot run: NAVARCH_SDK_PYTHON must name a Python with it (scripts/test.sh installs it)"))
    func microsoftsClientLibraryRunsTheSameLifecycleAgainstTheFake() async throws {
        let cloud = FakeAzureResourceManager(capacity: ["Standard_ND96isr_H100_v5": ["1"]], pageSize: 1)
        let base = try await cloud.start()
        defer { Task { await cloud.stop() } }
        let script = try #require(Bundle.module.url(forResource: "Fixtures/sdk/azure_lifecycle", withExtension: "py"))
        let (status, output) = try await PeerPython.cloudSDKs.run(
            script.path, [base, cloud.tenantID, cloud.clientID, cloud.clientSecret, cloud.subscriptionID, cloud.resourceGroup, cloud.location, cloud.subnetID])
        #expect(status == 0, "\(output)")
        let line = try #require(output.split(separator: "\n").last)
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(seen["token_type"] as? String == "Bearer")
        #expect(seen["provisioning_state"] as? String == "Succeeded")
        #expect(seen["priority"] as? String == "Spot")
        #expect(seen["zones"] as? [String] == ["1"])
        #expect(seen["listed"] as? [String] == ["sdk-vm-1"])
        #expect((seen["full_zone_error"] as? String)?.contains("ZonalAllocationFailed") == true)
        #expect(seen["after_delete"] as? String == "ResourceNotFoundError")
        #expect(cloud.machines.isEmpty)
    }
}
