import Foundation
import NavarchCloudFakes
import NavarchCore
@testable import NavarchProviders
import Testing

/// One moto_server for the suite, started on first use.
enum Moto {
    static let server = Task { try await MotoServer.start(logPath: NSTemporaryDirectory() + "navarch-moto-\(getpid()).log") }
    static let skipReason: Comment = Comment(rawValue: "moto_server is not available: \(MotoServer.unavailableReason ?? "")")
}

/// The AWS provider against moto_server, with signature checking and instance-type validation on.
@Suite(.serialized, .enabled(if: MotoServer.unavailableReason == nil, Moto.skipReason))
struct EC2ProviderTests {
    let moto: MotoServer
    let calls = ProviderCallLog()

    init() async throws { moto = try await Moto.server.value }

    func provider(
        secret: String? = nil, catalog: OfferingCatalog = .builtin, subnets: [String] = [], placementGroup: String? = nil
    ) async throws -> EC2Provider {
        let credentials = AWSCredentialProvider(
            source: .key(AWSCredentials(accessKeyID: moto.accessKeyID, secretAccessKey: secret ?? moto.secretAccessKey)))
        let client = EC2Client(region: "us-east-1", endpoint: moto.endpoint, credentials: credentials, calls: ProviderCallLog())
        let images = try await client.call("DescribeImages", [("Owner.1", "amazon")])
        var settings = EC2Settings()
        settings.endpoint = moto.endpoint
        settings.imageID = try #require(images.items("imagesSet").compactMap { $0.string("imageId") }.first)
        settings.subnetIDs = subnets
        settings.keyName = "navarch-test"
        settings.placementGroup = placementGroup
        return try EC2Provider(settings: settings, credentials: credentials, catalog: catalog, calls: calls, retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10)))
    }

    func request(_ id: String, type: String = "h100", pool: String = "train", userData: String = "#cloud-config\n") throws -> ProvisionRequest {
        ProvisionRequest(
            instanceID: id, nodeID: "\(pool)-0", pool: pool, instanceType: try InstanceTypeCatalog.named(type),
            controlPlaneAddress: "10.0.0.1:50051", userData: userData)
    }

    static func uniqueID() -> String { "i-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16) }

    @Test func launchesListsAndTerminatesAP5() async throws {
        let aws = try await provider()
        let id = Self.uniqueID()
        let machine = try await aws.provision(try request(id, userData: "#cloud-config\nruncmd: [echo hi]\n"))
        #expect(machine.providerInstanceID.hasPrefix("i-"))
        #expect(machine.instanceID == id)
        #expect(machine.pool == "train")
        #expect(machine.isAlive)

        let listed = try await aws.list().first { $0.instanceID == id }
        #expect(listed?.providerInstanceID == machine.providerInstanceID)
        #expect(listed?.nodeID == "train-0")

        let described = try await aws.client.call("DescribeInstances", [("InstanceId.1", machine.providerInstanceID)])
        let item = try #require(described.items("reservationSet").first?.items("instancesSet").first)
        #expect(item.string("instanceType") == "p5.48xlarge")
        #expect(item.string("keyName") == "navarch-test")
        let userData = try await aws.client.call("DescribeInstanceAttribute", [("InstanceId", machine.providerInstanceID), ("Attribute", "userData")])
        let encoded = try #require(userData.path("userData", "value")?.text)
        #expect(String(decoding: Data(base64Encoded: encoded) ?? Data(), as: UTF8.self) == "#cloud-config\nruncmd: [echo hi]\n")

        try await aws.terminate(machine)
        let after = try await aws.list().first { $0.instanceID == id }
        #expect(after == nil || after?.isAlive == false)
        // Terminating again, or an instance EC2 never had, succeeds.
        try await aws.terminate(machine)
        try await aws.terminate(ProvisionedInstance(instanceID: Self.uniqueID(), providerInstanceID: "", nodeID: "x", pool: "train"))
    }

    @Test func spotMachinesOfAClusterPoolJoinThePlacementGroup() async throws {
        let group = "navarch-\(UUID().uuidString.prefix(8).lowercased())"
        let aws = try await provider(placementGroup: group)
        #expect(aws.supportsClusterPlacement)
        // moto has no CreatePlacementGroup; it records the group RunInstances names.
        var clustered = try request(Self.uniqueID())
        (clustered.spot, clustered.placement) = (true, .cluster)
        let machine = try await aws.provision(clustered)
        let plain = try await aws.provision(try request(Self.uniqueID()))
        let described = try await aws.client.call(
            "DescribeInstances", [("InstanceId.1", machine.providerInstanceID), ("InstanceId.2", plain.providerInstanceID)])
        let items = described.items("reservationSet").flatMap { $0.items("instancesSet") }
        let spot = try #require(items.first { $0.string("instanceId") == machine.providerInstanceID })
        #expect(spot.string("instanceLifecycle") == "spot")
        let onDemand = try #require(items.first { $0.string("instanceId") == plain.providerInstanceID })
        #expect(onDemand.string("instanceLifecycle") != "spot")
        // moto does not report the group back, so the launch's parameters say where it goes.
        let sent = Dictionary(aws.runInstancesParameters(clustered, machineType: "p5.48xlarge", subnet: nil), uniquingKeysWith: { a, _ in a })
        #expect(sent["Placement.GroupName"] == group)
        #expect(sent["ClientToken"] == clustered.instanceID + "-spot")
        let plainSent = Dictionary(aws.runInstancesParameters(try request("i-1"), machineType: "p5.48xlarge", subnet: nil), uniquingKeysWith: { a, _ in a })
        #expect(plainSent["Placement.GroupName"] == nil)
        #expect(plainSent["InstanceMarketOptions.MarketType"] == nil)
        try await aws.terminate(machine)
        try await aws.terminate(plain)
    }

    @Test func aPoolsZoneIsAskedForWhenNoSubnetDecides() async throws {
        let aws = try await provider()
        var pinned = try request(Self.uniqueID())
        pinned.zones = ["us-east-1c"]
        #expect(aws.runInstancesParameters(pinned, machineType: "p5.48xlarge", subnet: nil, zone: "us-east-1c").contains { $0 == ("Placement.AvailabilityZone", "us-east-1c") })
        let machine = try await aws.provision(pinned)
        #expect(machine.zone == "us-east-1c", "\(machine)")
        try await aws.terminate(machine)
    }

    @Test func provisioningTheSameInstanceTwiceStartsOneMachine() async throws {
        let aws = try await provider()
        let id = Self.uniqueID()
        let first = try await aws.provision(try request(id))
        let second = try await aws.provision(try request(id))
        #expect(first.providerInstanceID == second.providerInstanceID)
        #expect(try await aws.list().filter { $0.instanceID == id && $0.isAlive }.count == 1)
        try await aws.terminate(first)
    }

    @Test func terminateWithoutTheEC2IDFindsTheInstanceByTag() async throws {
        let aws = try await provider()
        let id = Self.uniqueID()
        let machine = try await aws.provision(try request(id))
        // As after a crash between the launch and recording its id.
        try await aws.terminate(ProvisionedInstance(instanceID: id, providerInstanceID: "", nodeID: machine.nodeID, pool: machine.pool))
        #expect(try await aws.list().first { $0.instanceID == id }?.isAlive != true)
    }

    @Test func aWrongSecretIsRefusedWithAWSsOwnError() async throws {
        let aws = try await provider()
        let wrong = try EC2Provider(
            settings: aws.settings,
            credentials: AWSCredentialProvider(source: .key(AWSCredentials(accessKeyID: moto.accessKeyID, secretAccessKey: "not-the-secret"))),
            calls: calls)
        let error = try await #require(throws: CloudAPIError.self) { try await wrong.list() }
        #expect(error.kind == .authentication)
        #expect(error.code == "AuthFailure")
        #expect(error.status == 401)
        #expect("\(error)" == "aws DescribeInstances: AuthFailure (HTTP 401): AWS was not able to validate the provided access credentials")
    }

    @Test func anInstanceTypeAWSDoesNotHaveIsRefusedAndNothingIsLeftRunning() async throws {
        var catalog = OfferingCatalog.builtin
        catalog.offerings = catalog.offerings.map { offering in
            var changed = offering
            if offering.provider == "aws" && offering.gpuType == "l4" { changed.machineType = "g99.mega" }
            return changed
        }
        let aws = try await provider(catalog: catalog)
        let id = Self.uniqueID()
        let error = try await #require(throws: CloudAPIError.self) { try await aws.provision(try request(id, type: "l4")) }
        #expect(error.code == "InvalidInstanceType.NotFound")
        #expect(!error.isRetryable)
        #expect(try await aws.list().first { $0.instanceID == id } == nil)
        // A request that will not change is not retried.
        #expect(calls.snapshot.first { $0.operation == "RunInstances" }?.retries == 0)
    }

    @Test func zonesOfferingAnInstanceType() async throws {
        let aws = try await provider()
        let zones = try await aws.zones(offering: "p5.48xlarge")
        #expect(!zones.isEmpty)
        #expect(zones.allSatisfy { $0.hasPrefix("us-east-1") })
        #expect(try await aws.zones(offering: "g99.mega").isEmpty)
    }

    @Test func everyCallIsCounted() async throws {
        let aws = try await provider()
        let id = Self.uniqueID()
        let machine = try await aws.provision(try request(id))
        try await aws.terminate(machine)
        let operations = Set(calls.snapshot.map(\.operation))
        #expect(operations.isSuperset(of: ["DescribeInstances", "RunInstances", "TerminateInstances"]))
        #expect(calls.attempts(provider: "aws") >= 3)
    }
}
