/// Asks a cloud's metadata service whether it is taking this spot machine back, as each
/// cloud documents it: AWS IMDSv2 `spot/instance-action` (404 until a notice), GCP
/// `instance/preempted` (`TRUE`/`FALSE`, long-polled with `wait_for_change`), Azure Scheduled
/// Events (a `Preempt` event).
public struct SpotNoticeWatcher: Sendable {
    public static let clouds = MetadataClient.clouds

    public let cloud: String
    /// The metadata service: `http://169.254.169.254`, or `http://metadata.google.internal` on GCP.
    public let endpoint: String
    let client: MetadataClient

    public init(cloud: String, endpoint: String? = nil) throws {
        self.endpoint = try MetadataClient.baseURL(cloud: cloud, endpoint: endpoint)
        self.cloud = cloud
        // GCP's long poll waits up to a minute for a change.
        self.client = MetadataClient(timeout: cloud == "gcp" ? .seconds(70) : .seconds(5))
    }

    /// The notice, if the cloud has given one; throws when the metadata service cannot be asked.
    public func check() async throws -> SpotNotice? {
        switch cloud {
        case "aws":
            let token = try await client.send("PUT", endpoint + "/latest/api/token", headers: [("X-aws-ec2-metadata-token-ttl-seconds", "300")])
            guard token.status == 200 else { throw MetadataClient.Failure(description: "IMDSv2 token: HTTP \(token.status)") }
            let answer = try await client.send(
                "GET", endpoint + "/latest/meta-data/spot/instance-action",
                headers: [("X-aws-ec2-metadata-token", String(decoding: token.body, as: UTF8.self))])
            if answer.status == 404 { return nil }
            guard answer.status == 200 else { throw MetadataClient.Failure(description: "spot/instance-action: HTTP \(answer.status)") }
            return SpotNotice.aws(answer.body)
        case "gcp":
            let answer = try await client.send(
                "GET", endpoint + "/computeMetadata/v1/instance/preempted?wait_for_change=true&timeout_sec=60",
                headers: [("Metadata-Flavor", "Google")])
            guard answer.status == 200 else { throw MetadataClient.Failure(description: "instance/preempted: HTTP \(answer.status)") }
            return SpotNotice.gcp(answer.body)
        default:
            let answer = try await client.send("GET", endpoint + "/metadata/scheduledevents?api-version=2020-07-01", headers: [("Metadata", "true")])
            guard answer.status == 200 else { throw MetadataClient.Failure(description: "scheduledevents: HTTP \(answer.status)") }
            return SpotNotice.azure(answer.body)
        }
    }
}
