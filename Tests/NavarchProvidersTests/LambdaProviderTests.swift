import Foundation
import NavarchCloudFakes
import NavarchCore
import NavarchProviders
import Testing

/// The Lambda Cloud provider against a fake built to Lambda's documented API, at scaled-down
/// rate limits (the same rule: the fake answers 429 to a client that goes faster).
struct LambdaProviderTests {
    func setUp(capacity: [String: Set<String>], regions: [String] = [], key: String = "secret_key_0123") async throws -> (LambdaProvider, FakeLambdaCloud, ProviderCallLog) {
        let cloud = FakeLambdaCloud(apiKey: "secret_key_0123", capacity: capacity, requestInterval: .milliseconds(200), launchInterval: .milliseconds(600))
        var settings = LambdaSettings()
        settings.endpoint = try await cloud.start()
        settings.sshKeyName = "navarch"
        settings.regions = regions
        settings.requestInterval = .milliseconds(200)
        settings.launchInterval = .milliseconds(600)
        let calls = ProviderCallLog()
        let provider = try LambdaProvider(settings: settings, apiKey: key, calls: calls, retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(50)))
        return (provider, cloud, calls)
    }

    func request(_ id: String, type: String = "h100") throws -> ProvisionRequest {
        ProvisionRequest(
            instanceID: id, nodeID: "lam-0", pool: "lam", instanceType: try InstanceTypeCatalog.named(type),
            controlPlaneAddress: "10.0.0.1:50051", userData: "#cloud-config\n")
    }

    @Test(.timeLimit(.minutes(1))) func launchesListsAndTerminatesWithinTheRateLimits() async throws {
        let (lambda, cloud, calls) = try await setUp(capacity: ["gpu_8x_h100_sxm5": ["us-east-1"]])
        defer { Task { await cloud.stop() } }
        let machine = try await lambda.provision(try request("i-lam1"))
        #expect(machine.zone == "us-east-1")
        let launched = try #require(cloud.instances.first)
        #expect(launched.name == "i-lam1")
        #expect(launched.type == "gpu_8x_h100_sxm5")
        #expect(launched.userData == "#cloud-config\n")
        #expect(launched.sshKeys == ["navarch"])
        #expect(launched.tags == ["navarch-pool": "lam", "navarch-node": "lam-0"])
        // A second provision of the same instance finds it by name instead of launching again.
        #expect(try await lambda.provision(try request("i-lam1")).providerInstanceID == machine.providerInstanceID)
        #expect(cloud.instances.count == 1)
        let listed = try await lambda.list()
        #expect(listed.map(\.instanceID) == ["i-lam1"])
        #expect(listed.first?.address.hasPrefix("198.51.100.") == true)
        // Terminating by name when the Lambda id was never recorded.
        try await lambda.terminate(ProvisionedInstance(instanceID: "i-lam1", providerInstanceID: "", nodeID: "lam-0", pool: "lam"))
        #expect(cloud.instances.first?.status == "terminated")
        try await lambda.terminate(machine)  // already gone: fine
        #expect(try await lambda.list().isEmpty)
        #expect(cloud.rateLimitViolations == 0)
        #expect(Set(calls.snapshot.map(\.operation)) == ["instances", "instance-types", "launch", "terminate"])
    }

    @Test(.timeLimit(.minutes(1))) func insufficientCapacityIsTypedAndMovesToTheNextRegion() async throws {
        let (lambda, cloud, _) = try await setUp(capacity: ["gpu_8x_h100_sxm5": ["us-west-1"]], regions: ["us-east-1", "us-west-1"])
        defer { Task { await cloud.stop() } }
        let machine = try await lambda.provision(try request("i-lam2"))
        #expect(machine.zone == "us-west-1")

        cloud.setCapacity("gpu_8x_h100_sxm5", regions: [])
        let error = try await #require(throws: CloudAPIError.self) { try await lambda.provision(try request("i-lam3")) }
        #expect(error.kind == .capacity)
        #expect(error.code == "instance-operations/launch/insufficient-capacity")
        #expect(error.message == "Not enough capacity to fulfill launch request. (Choose an instance type with available capacity.)")
        #expect(cloud.rateLimitViolations == 0)
    }

    @Test func anInvalidKeyIsAnAuthenticationError() async throws {
        let (lambda, cloud, calls) = try await setUp(capacity: [:], key: "wrong")
        defer { Task { await cloud.stop() } }
        let error = try await #require(throws: CloudAPIError.self) { try await lambda.list() }
        #expect(error.kind == .authentication)
        #expect(error.code == "global/invalid-api-key")
        #expect(calls.snapshot.first?.attempts == 1)
    }

    @Test func aClientThatIgnoresTheLimitsIsThrottledAndRetries() async throws {
        // Four calls at once from a provider spaced to 1 ms, a fake that allows one a second
        // (bursts of two): 429s, retried with backoff until every call is through.
        let cloud = FakeLambdaCloud(apiKey: "k", capacity: [:], requestInterval: .seconds(1))
        var settings = LambdaSettings()
        settings.endpoint = try await cloud.start()
        settings.sshKeyName = "navarch"
        settings.requestInterval = .milliseconds(1)
        defer { Task { await cloud.stop() } }
        let calls = ProviderCallLog()
        let lambda = try LambdaProvider(settings: settings, apiKey: "k", calls: calls, retry: RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(200)))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { _ = try await lambda.list() } }
            try await group.waitForAll()
        }
        #expect(cloud.rateLimitViolations > 0)
        #expect(calls.snapshot.first?.failures["throttled"] == cloud.rateLimitViolations)
    }
}
