import Foundation
import NavarchCloudFakes
import NavarchCore
import NavarchProviders
import Testing
import _CryptoExtras

/// The GCP provider against a fake built to Compute Engine's documented REST API, and the fake
/// itself checked against Google's own client library.
struct ComputeEngineProviderTests {
    func setUp(
        capacity: [String: Set<String>], zones: [String] = ["us-central1-a"], configure: (inout GCPSettings) -> Void = { _ in },
        credentials: ((FakeComputeEngine) throws -> GCPCredentialSource)? = nil
    ) async throws -> (ComputeEngineProvider, FakeComputeEngine, ProviderCallLog) {
        let cloud = try FakeComputeEngine(capacity: capacity)
        let base = try await cloud.start()
        var settings = GCPSettings()
        settings.project = cloud.project
        settings.zones = zones
        settings.endpoint = base + "/compute/v1"
        settings.metadataEndpoint = base
        settings.image = "projects/ubuntu-os-accelerator-images/global/images/family/ubuntu-accelerator-2204-amd64-with-nvidia-570"
        settings.operationPollInterval = .milliseconds(20)
        configure(&settings)
        let source = try credentials?(cloud) ?? .serviceAccount(try GCPServiceAccountKey(json: cloud.serviceAccountKeyJSON()))
        let calls = ProviderCallLog()
        let provider = try ComputeEngineProvider(
            settings: settings, credentials: source, calls: calls, retry: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(20)))
        return (provider, cloud, calls)
    }

    func request(_ id: String, spot: Bool = false, placement: PoolOptions.Placement = .none) throws -> ProvisionRequest {
        ProvisionRequest(
            instanceID: id, nodeID: "gpu-0", pool: "gpu", instanceType: try InstanceTypeCatalog.named("h100"),
            controlPlaneAddress: "10.0.0.1:50051", userData: "#cloud-config\nruncmd: [true]\n", spot: spot, placement: placement)
    }

    @Test func createsListsAndDeletesThroughZoneOperations() async throws {
        let (gcp, cloud, calls) = try await setUp(capacity: ["a3-highgpu-8g": ["us-central1-a"]]) { $0.placementPolicy = "navarch-compact" }
        defer { Task { await cloud.stop() } }
        cloud.addResourcePolicy(region: "us-central1", name: "navarch-compact")
        let machine = try await gcp.provision(try request("i-0a1b2c3d4e5f6071", spot: true, placement: .cluster))
        #expect(machine.zone == "us-central1-a")
        #expect(machine.address.hasPrefix("34.70.0."))
        let created = try #require(cloud.instances.first)
        #expect(created.name == "i-0a1b2c3d4e5f6071")
        #expect(created.status == "RUNNING")
        #expect(created.machineType == "a3-highgpu-8g")
        #expect(created.provisioningModel == "SPOT")
        #expect(created.metadata["user-data"] == "#cloud-config\nruncmd: [true]\n")
        #expect(created.labels == [
            "navarch-managed-by": "navarch", "navarch-pool": "gpu", "navarch-instance-id": "i-0a1b2c3d4e5f6071", "navarch-node-id": "gpu-0",
        ])
        #expect(created.resourcePolicies == ["projects/navarch-test/regions/us-central1/resourcePolicies/navarch-compact"])
        // The insert named a requestId in UUID form, so a retried insert is the same operation.
        let insert = try #require(cloud.requests.first { $0.method == "POST" && $0.path.hasSuffix("/instances") })
        #expect(insert.query["requestId"]?.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", options: .regularExpression) != nil)

        // Provisioning the same instance again finds it instead of creating another.
        #expect(try await gcp.provision(try request("i-0a1b2c3d4e5f6071")) == machine)
        #expect(cloud.instances.count == 1)
        #expect(try await gcp.list() == [machine])

        // Terminating without the zone finds it by label first.
        try await gcp.terminate(ProvisionedInstance(instanceID: machine.instanceID, providerInstanceID: "", nodeID: "gpu-0", pool: "gpu"))
        #expect(cloud.instances.isEmpty)
        try await gcp.terminate(machine)  // already gone: fine
        #expect(try await gcp.list().isEmpty)
        #expect(cloud.tokensIssued == 1)
        #expect(Set(calls.snapshot.map(\.operation)) == [
            "oauth2.token", "instances.aggregatedList", "instances.insert", "zoneOperations.get", "instances.get", "instances.delete",
        ])
    }

    @Test func aClusterPoolGetsACompactPlacementPolicyMadeForIt() async throws {
        let (gcp, cloud, calls) = try await setUp(capacity: ["a3-highgpu-8g": ["us-central1-a"]])
        defer { Task { await cloud.stop() } }
        #expect(gcp.supportsClusterPlacement)
        _ = try await gcp.provision(try request("i-00000000000000d1", placement: .cluster))
        _ = try await gcp.provision(try request("i-00000000000000d2", placement: .cluster))
        _ = try await gcp.provision(try request("i-00000000000000d3"))
        #expect(cloud.resourcePolicies == ["regions/us-central1/resourcePolicies/navarch-gpu"])
        let policy = "projects/navarch-test/regions/us-central1/resourcePolicies/navarch-gpu"
        #expect(cloud.instances.map(\.resourcePolicies) == [[policy], [policy], []])
        #expect(calls.snapshot.first { $0.operation == "resourcePolicies.insert" }?.attempts == 1)
        #expect(calls.snapshot.contains { $0.operation == "regionOperations.get" })
    }

    @Test func aPoolsZonesComeBeforeTheProvidersOwn() async throws {
        let (gcp, cloud, _) = try await setUp(capacity: ["a3-highgpu-8g": ["us-central1-a", "us-east5-a"]], zones: ["us-central1-a", "us-east5-a"])
        defer { Task { await cloud.stop() } }
        var pinned = try request("i-00000000000000b1")
        pinned.zones = ["us-east5-a"]
        #expect(try await gcp.provision(pinned).zone == "us-east5-a", "the pool's zone, not the provider's first")
        #expect(try await gcp.provision(try request("i-00000000000000b2")).zone == "us-central1-a")
    }

    @Test func aZoneOutOfCapacityIsTypedAndTheNextZoneIsTried() async throws {
        let (gcp, cloud, _) = try await setUp(capacity: ["a3-highgpu-8g": ["us-east5-a"]], zones: ["us-central1-a", "us-east5-a"])
        defer { Task { await cloud.stop() } }
        let machine = try await gcp.provision(try request("i-00000000000000a1"))
        #expect(machine.zone == "us-east5-a")

        cloud.setCapacity("a3-highgpu-8g", zones: [])
        let error = try await #require(throws: CloudAPIError.self) { try await gcp.provision(try request("i-00000000000000a2")) }
        #expect(error.kind == .capacity)
        #expect(error.isInsufficientCapacity)
        #expect(error.code == "ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS")
        #expect(error.status == 503)
        #expect(error.message.contains("does not have enough resources"))
        #expect(cloud.instances.map(\.name) == ["i-00000000000000a1"])
    }

    @Test func aKeyTheAccountDoesNotHoldIsRefusedByTheTokenEndpoint() async throws {
        let (gcp, cloud, calls) = try await setUp(capacity: [:], credentials: { cloud in
            let stranger = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            return .serviceAccount(try GCPServiceAccountKey(json: cloud.serviceAccountKeyJSON(privateKeyPEM: stranger.pemRepresentation)))
        })
        defer { Task { await cloud.stop() } }
        let error = try await #require(throws: CloudAPIError.self) { try await gcp.checkCredentials() }
        #expect(error.kind == .authentication)
        #expect(error.code == "invalid_grant")
        #expect(error.message == "Invalid JWT Signature.")
        #expect(calls.snapshot.first { $0.operation == "oauth2.token" }?.attempts == 1)
        #expect(cloud.tokensIssued == 0)
    }

    @Test func theMetadataServerTokenIsUsedOnGCP() async throws {
        let (gcp, cloud, calls) = try await setUp(capacity: [:], credentials: { _ in .metadataServer })
        defer { Task { await cloud.stop() } }
        #expect(try await gcp.list().isEmpty)
        #expect(cloud.tokensIssued == 1)
        #expect(calls.snapshot.contains { $0.operation == "metadata.token" })
    }

    @Test func rateLimitsAreRetriedAndPagesFollowed() async throws {
        let (gcp, cloud, calls) = try await setUp(capacity: ["a3-highgpu-8g": ["us-central1-a"]]) { $0.listPageSize = 2 }
        defer { Task { await cloud.stop() } }
        for index in 1...5 { _ = try await gcp.provision(try request("i-00000000000000b\(index)")) }
        cloud.throttleNext(2)
        let listed = try await gcp.list()
        #expect(listed.map(\.instanceID) == (1...5).map { "i-00000000000000b\($0)" })
        let list = try #require(calls.snapshot.first { $0.operation == "instances.aggregatedList" })
        #expect(list.retries >= 2)
        #expect(list.failures["throttled"] == 2)
        // Five instances, two per page: three pages.
        #expect(cloud.requests.filter { $0.path.hasSuffix("/aggregated/instances") && $0.query["pageToken"] == "4" }.count >= 1)
    }

    @Test func anUnknownMachineTypeIsAnInvalidRequestAndNotRetried() async throws {
        var catalog = OfferingCatalog.builtin
        catalog.offerings = catalog.offerings.map { offering in
            var changed = offering
            if offering.provider == "gcp" && offering.gpuType == "h100" { changed.machineType = "a3-nonexistent-8g" }
            return changed
        }
        let cloud = try FakeComputeEngine(capacity: [:])
        let base = try await cloud.start()
        defer { Task { await cloud.stop() } }
        var settings = GCPSettings()
        settings.project = cloud.project
        settings.zones = ["us-central1-a"]
        settings.endpoint = base + "/compute/v1"
        settings.image = "projects/p/global/images/i"
        let calls = ProviderCallLog()
        let gcp = try ComputeEngineProvider(
            settings: settings, credentials: .serviceAccount(try GCPServiceAccountKey(json: cloud.serviceAccountKeyJSON())), catalog: catalog, calls: calls)
        let error = try await #require(throws: CloudAPIError.self) { try await gcp.provision(try request("i-00000000000000c1")) }
        #expect(error.kind == .invalidRequest)
        #expect(error.code == "invalid")
        #expect(error.message.contains("Machine type with name 'a3-nonexistent-8g' does not exist"))
        #expect(calls.snapshot.first { $0.operation == "instances.insert" }?.attempts == 1)
        #expect(cloud.instances.isEmpty)
    }

    @Test func settingsNameWhatIsMissing() throws {
        var settings = GCPSettings()
        #expect(throws: ProviderConfigurationError.self) { try settings.validate() }
        settings.project = "p"
        settings.zones = ["us-central1"]
        settings.image = "img"
        let error = try #require(throws: ProviderConfigurationError.self) { try settings.validate() }
        #expect("\(error)".contains("'us-central1' is not a zone name"))
    }

    @Test(
        .timeLimit(.minutes(2)),
        .enabled(if: PeerPython.cloudSDKs.unavailableReason == nil, "google-cloud-compute cannot run: NAVARCH_SDK_PYTHON must name a Python with it (scripts/test.sh installs it)"))
    func googlesClientLibraryRunsTheSameLifecycleAgainstTheFake() async throws {
        let cloud = try FakeComputeEngine(capacity: ["a3-highgpu-8g": ["us-central1-a"]])
        let base = try await cloud.start()
        defer { Task { await cloud.stop() } }
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("gcp-key-\(UUID().uuidString).json")
        try cloud.serviceAccountKeyJSON().write(to: keyFile)
        defer { try? FileManager.default.removeItem(at: keyFile) }
        let script = try #require(Bundle.module.url(forResource: "Fixtures/sdk/gcp_lifecycle", withExtension: "py"))
        let (status, output) = try await PeerPython.cloudSDKs.run(script.path, [base, keyFile.path, cloud.project, "us-central1-a", "us-central1-b"])
        #expect(status == 0, "\(output)")
        let line = try #require(output.split(separator: "\n").last)
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(seen["status"] as? String == "RUNNING")
        #expect((seen["nat_ip"] as? String)?.hasPrefix("34.70.0.") == true)
        #expect(seen["provisioning_model"] as? String == "SPOT")
        #expect((seen["listed"] as? [[String]]) == [["zones/us-central1-a", "sdk-vm-1"]])
        #expect((seen["full_zone_error"] as? String)?.contains("ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS") == true)
        #expect(seen["after_delete"] as? String == "NotFound")
        // google-auth traded the key's JWT at the fake's token endpoint; the client library then
        // sent self-signed JWTs, which the fake checks against the same key.
        #expect(seen["token_prefix"] as? String == "ya29.fake-")
        #expect(cloud.tokensIssued == 1)
        #expect(cloud.instances.isEmpty)
    }
}
