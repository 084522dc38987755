import Foundation
import NavarchCloudFakes
import NavarchCore
import NavarchHealth
import NavarchNode
import Testing

/// What a node reports of where it sits: the cloud's metadata (as each cloud documents its
/// metadata service) and the GPUs' NVLinks.
struct TopologyTests {
    @Test func awsPlacementComesFromIMDSv2() async throws {
        let server = try await FakeHTTPServer.start { request in
            if request.method == "PUT" && request.path == "/latest/api/token" { return .text(200, "AQAEAFake==") }
            guard request.header("x-aws-ec2-metadata-token") == "AQAEAFake==" else { return .text(401, "") }
            switch request.path {
            case "/latest/meta-data/placement/availability-zone": return .text(200, "us-east-1d")
            case "/latest/meta-data/placement/region": return .text(200, "us-east-1")
            case "/latest/meta-data/placement/group-name": return .text(200, "navarch-train")
            case "/latest/meta-data/instance-type": return .text(200, "p5.48xlarge")
            default: return .text(404, "Not Found")
            }
        }
        defer { Task { await server.stop() } }
        let labels = try await CloudTopology(cloud: "aws", endpoint: server.baseURL, timeout: .seconds(20)).labels()
        #expect(labels == [
            "topology.cloud": "aws", "topology.zone": "us-east-1d", "topology.region": "us-east-1",
            "topology.placement-group": "navarch-train", "topology.machine-type": "p5.48xlarge",
        ])
    }

    @Test func gcpZoneMachineTypeAndPhysicalHost() async throws {
        let server = try await FakeHTTPServer.start { request in
            guard request.header("metadata-flavor") == "Google" else { return .text(403, "Missing Metadata-Flavor:Google header.") }
            switch request.path {
            case "/computeMetadata/v1/instance/zone": return .text(200, "projects/123456789012/zones/us-central1-b")
            case "/computeMetadata/v1/instance/machine-type": return .text(200, "projects/123456789012/machineTypes/a3-highgpu-8g")
            case "/computeMetadata/v1/instance/attributes/physical_host": return .text(200, "/a1b2c3/d4e5f6/0123")
            default: return .text(404, "Not Found")
            }
        }
        defer { Task { await server.stop() } }
        let labels = try await CloudTopology(cloud: "gcp", endpoint: server.baseURL, timeout: .seconds(20)).labels()
        #expect(labels == [
            "topology.cloud": "gcp", "topology.zone": "us-central1-b", "topology.region": "us-central1",
            "topology.machine-type": "a3-highgpu-8g", "topology.host": "/a1b2c3/d4e5f6/0123",
        ])
    }

    @Test func azureComputeMetadata() async throws {
        let server = try await FakeHTTPServer.start { request in
            guard request.header("metadata") == "true", request.path == "/metadata/instance/compute", request.query["api-version"] != nil else {
                return .json(400, ["error": "Bad request. Required metadata header not specified"])
            }
            return .json(200, [
                "location": "eastus", "zone": "2", "vmSize": "Standard_ND96isr_H100_v5", "platformFaultDomain": "1",
                "placementGroupId": "0f3c6a8e-ppg", "name": "i-0a1b2c3d4e5f6071",
            ])
        }
        defer { Task { await server.stop() } }
        let labels = try await CloudTopology(cloud: "azure", endpoint: server.baseURL, timeout: .seconds(20)).labels()
        #expect(labels == [
            "topology.cloud": "azure", "topology.region": "eastus", "topology.zone": "2", "topology.machine-type": "Standard_ND96isr_H100_v5",
            "topology.placement-group": "0f3c6a8e-ppg", "topology.fault-domain": "1",
        ])
    }

    @Test func aMetadataServiceThatDoesNotAnswerIsAnError() async throws {
        let topology = try CloudTopology(cloud: "aws", endpoint: "http://127.0.0.1:\(try FreePort.pick())", timeout: .milliseconds(500))
        await #expect(throws: (any Error).self) { try await topology.labels() }
        #expect(throws: (any Error).self) { try CloudTopology(cloud: "oracle") }
    }

    @Test func nvlinkLabelSaysTheFewestLinksUp() {
        func gpu(_ index: Int, up: Double?) -> GPU {
            GPU(index: index, uuid: "GPU-\(index)", model: "NVIDIA H100 80GB HBM3", pciBusID: "", memoryTotalMiB: 81_559,
                metrics: up.map { [GPUMetric.nvlinkLinksUp: $0] } ?? [:])
        }
        #expect(HostTopology.nvlinkLabels([gpu(0, up: 18), gpu(1, up: 16)]) == ["topology.nvlink": "16 links up per GPU"])
        #expect(HostTopology.nvlinkLabels([gpu(0, up: nil)]).isEmpty)
        #expect(HostTopology.nvlinkLabels([]).isEmpty)
    }
}
