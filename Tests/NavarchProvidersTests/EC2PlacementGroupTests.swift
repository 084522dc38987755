import Foundation
import NavarchCloudFakes
import NavarchCore
@testable import NavarchProviders
import Testing

/// A cluster pool on AWS without a configured placement group gets one made for it. moto has no
/// CreatePlacementGroup, so this runs against a loopback endpoint answering it as EC2 documents.
struct EC2PlacementGroupTests {
    @Test func aClusterPoolGetsAPlacementGroupMadeOnce() async throws {
        let server = try await FakeHTTPServer.start { request in
            let form = request.form
            guard form["Action"] == "CreatePlacementGroup", request.header("authorization")?.hasPrefix("AWS4-HMAC-SHA256 ") == true else {
                return .text(400, "<Response><Errors><Error><Code>InvalidAction</Code><Message>unexpected</Message></Error></Errors></Response>")
            }
            return .text(200, """
                <CreatePlacementGroupResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
                  <requestId>d4904fd9-82c2-4ea5-adfe-a9cc3EXAMPLE</requestId>
                  <placementGroup><groupName>\(form["GroupName"] ?? "")</groupName><strategy>cluster</strategy><state>available</state></placementGroup>
                </CreatePlacementGroupResponse>
                """, contentType: "text/xml")
        }
        defer { Task { await server.stop() } }
        func provider() throws -> EC2Provider {
            var settings = EC2Settings()
            settings.endpoint = server.baseURL
            settings.imageID = "ami-0123456789abcdef0"
            return try EC2Provider(
                settings: settings, credentials: AWSCredentialProvider(source: .key(AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret"))),
                retry: RetryPolicy(maxAttempts: 1))
        }
        let aws = try provider()
        var cluster = ProvisionRequest(instanceID: "i-1", nodeID: "train-0", pool: "train", instanceType: try InstanceTypeCatalog.named("h100"), controlPlaneAddress: "")
        cluster.placement = .cluster
        #expect(try await aws.placementGroup(for: cluster) == "navarch-train")
        #expect(try await aws.placementGroup(for: cluster) == "navarch-train")
        let created = server.requests.map(\.form)
        #expect(created.count == 1, "made once")
        #expect(created.first?["Strategy"] == "cluster")
        #expect(created.first?["TagSpecification.1.Tag.2.Value"] == "train")
        var plain = cluster
        plain.placement = .none
        #expect(try await aws.placementGroup(for: plain) == nil)
        #expect(Dictionary(aws.runInstancesParameters(cluster, machineType: "p5.48xlarge", subnet: nil, placementGroup: "navarch-train"), uniquingKeysWith: { a, _ in a })["Placement.GroupName"] == "navarch-train")
    }

    @Test func aGroupMadeBeforeARestartIsUsed() async throws {
        let server = try await FakeHTTPServer.start { request in
            .text(400, """
                <Response><Errors><Error><Code>InvalidPlacementGroup.Duplicate</Code><Message>The placement group 'navarch-train' already exists.</Message></Error></Errors><RequestID>5e1a4b1e-example</RequestID></Response>
                """, contentType: "text/xml")
        }
        defer { Task { await server.stop() } }
        var settings = EC2Settings()
        settings.endpoint = server.baseURL
        settings.imageID = "ami-0123456789abcdef0"
        let aws = try EC2Provider(
            settings: settings, credentials: AWSCredentialProvider(source: .key(AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret"))),
            retry: RetryPolicy(maxAttempts: 1))
        var cluster = ProvisionRequest(instanceID: "i-1", nodeID: "train-0", pool: "train", instanceType: try InstanceTypeCatalog.named("h100"), controlPlaneAddress: "")
        cluster.placement = .cluster
        #expect(try await aws.placementGroup(for: cluster) == "navarch-train")
        #expect(server.requests.count == 1)
    }
}
