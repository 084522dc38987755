import Synchronization

/// One EC2 machine's instance metadata service (IMDSv2): a session token from
/// `PUT /latest/api/token`, required on every GET; `spot/instance-action` answers 404 until
/// ``interrupt(action:time:)`` gives the machine its two-minute notice.
public final class FakeEC2Metadata: Sendable {
    private let server: FakeHTTPServer
    private let holder: NoticeHolder

    private init(server: FakeHTTPServer, holder: NoticeHolder) {
        self.server = server
        self.holder = holder
    }

    public var baseURL: String { server.baseURL }

    /// - Parameters: where the machine is, as `placement/*` and `instance-type` report it.
    public static func start(zone: String = "us-east-1a", instanceType: String = "p5.48xlarge", placementGroup: String? = nil) async throws -> FakeEC2Metadata {
        let holder = NoticeHolder()
        let server = try await FakeHTTPServer.start { request in
            switch (request.method, request.path) {
            case ("PUT", "/latest/api/token"):
                return request.header("x-aws-ec2-metadata-token-ttl-seconds") == nil ? .text(400, "") : .text(200, "imds-session")
            case ("GET", "/latest/meta-data/spot/instance-action"):
                guard request.header("x-aws-ec2-metadata-token") == "imds-session" else { return .text(401, "") }
                return holder.value.map { .text(200, $0, contentType: "application/json") } ?? .text(404, "")
            case ("GET", let path) where path.hasPrefix("/latest/meta-data/"):
                guard request.header("x-aws-ec2-metadata-token") == "imds-session" else { return .text(401, "") }
                let answers: [String: String?] = [
                    "placement/availability-zone": zone, "placement/region": String(zone.dropLast()), "instance-type": instanceType,
                    "placement/group-name": placementGroup,
                ]
                guard let answer = answers[String(path.dropFirst("/latest/meta-data/".count))] ?? nil else { return .text(404, "") }
                return .text(200, answer)
            default:
                return .text(404, "")
            }
        }
        return FakeEC2Metadata(server: server, holder: holder)
    }

    /// Gives the machine its interruption notice.
    public func interrupt(action: String = "terminate", time: String = "2026-11-30T12:00:00Z") {
        holder.value = #"{"action": "\#(action)", "time": "\#(time)"}"#
    }

    public func stop() async { await server.stop() }
}

final class NoticeHolder: Sendable {
    private let stored = Mutex<String?>(nil)
    var value: String? {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}
