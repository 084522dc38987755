import Foundation
import NavarchCloudFakes
import NavarchNode
import Testing

/// Spot-interruption notices: the parsers against recorded metadata answers, and the watcher
/// against metadata services that answer as each cloud documents.
struct SpotNoticeTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/cloud-notices/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    @Test func recordedNoticesParse() throws {
        let terminate = try #require(SpotNotice.aws(try Self.fixture("awsdocs-instance-action-terminate.json")))
        #expect(terminate.action == "terminate")
        #expect(terminate.time == ISO8601DateFormatter().date(from: "2017-09-18T08:22:00Z"))
        #expect(terminate.message == "aws spot interruption: terminate at 2017-09-18T08:22:00Z")
        #expect(SpotNotice.aws(try Self.fixture("awsdocs-instance-action-stop.json"))?.action == "stop")
        #expect(SpotNotice.aws(try Self.fixture("aemm-mock-instance-action-terminate.json"))?.time == ISO8601DateFormatter().date(from: "2020-04-24T17:11:44Z"))
        // A rebalance recommendation is an early hint, not the interruption.
        #expect(SpotNotice.aws(try Self.fixture("awsdocs-rebalance-recommendation.json")) == nil)
        let azure = try #require(SpotNotice.azure(try Self.fixture("mspnp-spot-vm-preempt.json")))
        #expect(azure.action == "preempt")
        #expect(azure.time == ISO8601DateFormatter().date(from: "2022-08-09T17:07:32Z"))
        #expect(SpotNotice.azure(Array(#"{"DocumentIncarnation": 2, "Events": [{"EventType": "Reboot"}]}"#.utf8)) == nil)
        #expect(SpotNotice.gcp(Array("TRUE".utf8))?.action == "preempt")
        #expect(SpotNotice.gcp(Array("FALSE".utf8)) == nil)
        #expect(SpotNotice.aws(Array("<html>".utf8)) == nil)
    }

    @Test func theWatcherAsksEachCloudTheWayItDocuments() async throws {
        let noticeGiven = NoticeSwitch()
        let server = try await FakeHTTPServer.start { request in
            switch (request.method, request.path) {
            case ("PUT", "/latest/api/token"):
                return request.header("x-aws-ec2-metadata-token-ttl-seconds") == nil ? .text(400, "") : .text(200, "imds-token")
            case ("GET", "/latest/meta-data/spot/instance-action"):
                guard request.header("x-aws-ec2-metadata-token") == "imds-token" else { return .text(401, "") }
                return noticeGiven.on ? .text(200, #"{"action": "terminate", "time": "2026-11-30T10:00:00Z"}"#) : .text(404, "")
            case ("GET", "/computeMetadata/v1/instance/preempted"):
                guard request.header("metadata-flavor") == "Google", request.query["wait_for_change"] == "true" else { return .text(403, "") }
                return .text(200, noticeGiven.on ? "TRUE" : "FALSE")
            case ("GET", "/metadata/scheduledevents"):
                guard request.header("metadata") == "true", request.query["api-version"] != nil else { return .text(400, "") }
                return .json(200, ["DocumentIncarnation": 1, "Events": noticeGiven.on ? [["EventType": "Preempt", "NotBefore": "Mon, 30 Nov 2026 10:00:00 GMT"]] : []])
            default:
                return .text(404, "")
            }
        }
        defer { Task { await server.stop() } }
        for cloud in SpotNoticeWatcher.clouds {
            let watcher = try SpotNoticeWatcher(cloud: cloud, endpoint: server.baseURL)
            noticeGiven.on = false
            #expect(try await watcher.check() == nil, "\(cloud)")
            noticeGiven.on = true
            let notice = try #require(try await watcher.check(), "\(cloud)")
            #expect(notice.cloud == cloud)
        }
        #expect(throws: MetadataClient.Failure.self) { try SpotNoticeWatcher(cloud: "oracle") }
        let unreachable = try SpotNoticeWatcher(cloud: "aws", endpoint: "http://127.0.0.1:\(try FreePort.pick())")
        await #expect(throws: MetadataClient.Failure.self) { try await unreachable.check() }
    }
}

final class NoticeSwitch: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var on: Bool {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
