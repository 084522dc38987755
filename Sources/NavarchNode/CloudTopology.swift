import Foundation

/// Where the cloud says a machine sits, read once from its metadata service at start and
/// reported as labels: `topology.cloud`, `topology.region`, `topology.zone`,
/// `topology.machine-type`, and where the cloud has them `topology.placement-group` (AWS),
/// `topology.host` (GCP's block/sub-block/host) and `topology.fault-domain` (Azure).
public struct CloudTopology: Sendable {
    public let cloud: String
    public let endpoint: String
    let client: MetadataClient

    public init(cloud: String, endpoint: String? = nil, timeout: Duration = .seconds(5)) throws {
        self.endpoint = try MetadataClient.baseURL(cloud: cloud, endpoint: endpoint)
        self.cloud = cloud
        client = MetadataClient(timeout: timeout)
    }

    /// The labels; what the metadata service does not answer is left out.
    public func labels() async throws -> [String: String] {
        var labels = ["topology.cloud": cloud]
        switch cloud {
        case "aws":
            let token = try await client.send("PUT", endpoint + "/latest/api/token", headers: [("X-aws-ec2-metadata-token-ttl-seconds", "300")])
            guard token.status == 200 else { throw MetadataClient.Failure(description: "IMDSv2 token: HTTP \(token.status)") }
            let header = [("X-aws-ec2-metadata-token", String(decoding: token.body, as: UTF8.self))]
            let paths = [
                ("topology.zone", "placement/availability-zone"), ("topology.region", "placement/region"),
                ("topology.placement-group", "placement/group-name"), ("topology.machine-type", "instance-type"),
            ]
            for (label, path) in paths {
                let answer = try await client.send("GET", endpoint + "/latest/meta-data/" + path, headers: header)
                if answer.status == 200, let value = Self.text(answer.body) { labels[label] = value }
            }
        case "gcp":
            let header = [("Metadata-Flavor", "Google")]
            let paths = [("topology.zone", "zone"), ("topology.machine-type", "machine-type"), ("topology.host", "attributes/physical_host")]
            for (label, path) in paths {
                let answer = try await client.send("GET", endpoint + "/computeMetadata/v1/instance/" + path, headers: header)
                guard answer.status == 200, let value = Self.text(answer.body) else { continue }
                // `projects/123/zones/us-central1-a` and `.../machineTypes/a3-highgpu-8g`: the last part.
                labels[label] = label == "topology.host" ? value : String(value.split(separator: "/").last ?? "")
            }
            if let zone = labels["topology.zone"] { labels["topology.region"] = zone.split(separator: "-").dropLast().joined(separator: "-") }
        default:
            let answer = try await client.send("GET", endpoint + "/metadata/instance/compute?api-version=2021-02-01", headers: [("Metadata", "true")])
            guard answer.status == 200, let compute = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any] else {
                throw MetadataClient.Failure(description: "Azure instance metadata: HTTP \(answer.status)")
            }
            let fields = [
                ("topology.region", "location"), ("topology.zone", "zone"), ("topology.machine-type", "vmSize"),
                ("topology.placement-group", "placementGroupId"), ("topology.fault-domain", "platformFaultDomain"),
            ]
            for (label, field) in fields {
                if let value = compute[field].map({ "\($0)" }), !value.isEmpty { labels[label] = value }
            }
        }
        return labels
    }

    static func text(_ body: [UInt8]) -> String? {
        let value = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }
}
