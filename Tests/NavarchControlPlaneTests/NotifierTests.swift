import Foundation
import NavarchCloudFakes
import NavarchControlPlane
import NavarchCore
import NavarchNotifiers
import NavarchTesting
import Testing

/// The notifiers against local HTTP receivers: the exact payloads, signatures, retries and routing.
@Suite struct NotifierTests {
    let event = FleetEvent(
        sequence: 42, time: Date(timeIntervalSince1970: 1_800_000_000), kind: "remediation.replace", nodeID: "train-3",
        instanceID: "i-abc", pool: "train", message: "replacement requested: GPU 0: XID 79",
        attributes: ["actor": "navarch/remediation", "gpu": "0", "xid": "79", "requested": "replace", "rule": "xid-hardware"])

    func object(_ request: FakeHTTPRequest) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
    }

    @Test func webhookIsSignedAndRetriedAfterA500() async throws {
        let attempts = Recorder<Int>()
        let receiver = try await FakeHTTPServer.start { _ in
            attempts.append(1)
            return attempts.values.count == 1 ? .text(500, "try later") : .text(204, "")
        }
        defer { Task { await receiver.stop() } }
        let notifier = WebhookNotifier(url: receiver.baseURL + "/navarch", secret: "k3y", poster: NotificationPoster(firstBackoff: .milliseconds(10)))
        try await notifier.notify(event)
        #expect(receiver.requests.count == 2, "one retry after the 500")
        let request = try #require(receiver.requests.last)
        let body = try object(request)
        #expect(body["event"] as? String == "remediation.replace" && body["node"] as? String == "train-3")
        #expect(body["reason"] as? String == "replacement requested: GPU 0: XID 79" && body["time"] as? String == "2027-01-15T08:00:00.000Z")
        #expect(body["severity"] as? String == "warning" && body["sequence"] as? Int == 42)
        let timestamp = try #require(request.header("X-Navarch-Timestamp").flatMap(Int.init))
        let signature = try #require(request.header("X-Navarch-Signature"))
        #expect(WebhookSignature.verify(body: request.body, timestamp: timestamp, secret: "k3y", signature: signature))
        #expect(!WebhookSignature.verify(body: request.body, timestamp: timestamp, secret: "wrong", signature: signature))
        #expect(!WebhookSignature.verify(body: request.body + [32], timestamp: timestamp, secret: "k3y", signature: signature))
    }

    @Test func aRefusingReceiverIsNotRetriedAndTheErrorNamesIt() async throws {
        let receiver = try await FakeHTTPServer.start { _ in .text(403, "bad token") }
        defer { Task { await receiver.stop() } }
        let notifier = SlackNotifier(url: receiver.baseURL + "/hook", poster: NotificationPoster(firstBackoff: .milliseconds(10)))
        let error = await #expect(throws: NotificationError.self) { try await notifier.notify(event) }
        #expect(receiver.requests.count == 1)
        #expect(error?.description.contains("HTTP 403: bad token") == true)
    }

    @Test func slackMessageIsReadable() async throws {
        let receiver = try await FakeHTTPServer.start { _ in .text(200, "ok") }
        defer { Task { await receiver.stop() } }
        try await SlackNotifier(url: receiver.baseURL + "/services/T/B/X").notify(event)
        let request = try #require(receiver.requests.first)
        let text = try #require(try object(request)["text"] as? String)
        #expect(text == """
            :warning: *WARNING* `remediation.replace` on node train-3 (pool train)
            replacement requested: GPU 0: XID 79
            GPU 0 · XID 79 ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS · action: replace · by navarch/remediation
            """)
    }

    @Test func pagerDutyTriggersOncePerNodeProblemAndResolves() async throws {
        let receiver = try await FakeHTTPServer.start { _ in .json(202, ["status": "success", "message": "Event processed"]) }
        defer { Task { await receiver.stop() } }
        let notifier = PagerDutyNotifier(url: receiver.baseURL + "/v2/enqueue", routingKey: "R0UTING")
        let unhealthy = FleetEvent(
            sequence: 40, time: event.time, kind: "node.health_changed", nodeID: "train-3", pool: "train", message: "healthy -> unhealthy: XID 79",
            attributes: ["from": "healthy", "to": "unhealthy"])
        try await notifier.notify(unhealthy)
        try await notifier.notify(event)
        let resolved = FleetEvent(sequence: 50, time: event.time, kind: "node.terminated", nodeID: "train-3", pool: "train", message: "instance terminated")
        try await notifier.notify(resolved)
        let bodies = try receiver.requests.map(object)
        #expect(bodies.map { $0["event_action"] as? String } == ["trigger", "trigger", "resolve"])
        #expect(Set(bodies.compactMap { $0["dedup_key"] as? String }) == ["navarch/node/train-3/health"], "one incident per node and problem")
        #expect(bodies.allSatisfy { $0["routing_key"] as? String == "R0UTING" })
        let payload = try #require(bodies[0]["payload"] as? [String: Any])
        #expect(payload["severity"] as? String == "critical" && payload["source"] as? String == "train-3")
        #expect(payload["summary"] as? String == "node train-3: healthy -> unhealthy: XID 79" && payload["class"] as? String == "node.health_changed")
        #expect(bodies[2]["payload"] == nil, "a resolve carries no payload")
    }

    @Test func routesFilterBySeverityAndKind() {
        let critical = FleetEvent(time: event.time, kind: "breaker.opened", message: "", attributes: ["scope": "pool train"])
        let info = FleetEvent(time: event.time, kind: "node.registered", message: "")
        let slack = NotificationRoute(kind: .slack, url: "http://x", minimumSeverity: .warning)
        #expect(slack.accepts(event) && slack.accepts(critical) && !slack.accepts(info))
        let pager = NotificationRoute(kind: .pagerduty, url: "http://x", routingKey: "k", minimumSeverity: .critical)
        #expect(pager.accepts(critical) && !pager.accepts(event))
        #expect(pager.accepts(FleetEvent(time: event.time, kind: "remediation.validated", nodeID: "n", message: "")), "resolutions reach the pager")
        let only = NotificationRoute(kind: .webhook, url: "http://x", secret: "s", minimumSeverity: .info, kinds: ["remediation.*"])
        #expect(only.accepts(event) && !only.accepts(critical))
        #expect(PagerDutyNotifier.dedupKey(critical) == "navarch/breaker/pool-train")
    }

    @Test func configurationReadsPoolsNotificationsAndLimits() throws {
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("pd-\(UUID().uuidString)").path
        try "R0UTING\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationFile.parse("""
            remediation:
              gpu_resets: 3
              reset_window: 12h
              reboots: 2
              max_concurrent: 1
              validate_with_diagnostic: true
            circuit_breaker:
              unhealthy_share: 30%
              window: 5m
            rate_limits:
              provisions_per_provider: 10
            autoscaling:
              interval: 15s
            pools:
              train:
                provider: aws,lambda
                strategy: cost
                health:
                  ignore_xids: [13]
                type: h100
                nodes: 2
                min_nodes: 1
                max_nodes: 8
                labels: {team: ml}
                scale_up_cooldown: 2m
                autoscaler:
                  type: composite
                  mode: max
                  autoscalers:
                    - type: reactive
                      scale_up_above: 85
                    - type: queue
                      jobs_per_node: 2
                    - type: scheduled
                      time_zone: Europe/Paris
                      windows:
                        - {days: [mon, tue, wed, thu, fri], start: "08:00", end: "20:00", min_nodes: 4, max_nodes: 8}
            health:
              ignore_xids: [31]
            notifications:
              - type: slack
                url: https://hooks.slack.com/services/T/B/X
              - type: pagerduty
                routing_key_file: \(secret)
            """)
        #expect(configuration.remediationLimits == RemediationLimits(gpuResets: 3, resetWindow: .seconds(43_200), reboots: 2))
        #expect(configuration.maxConcurrentRemediations == 1 && configuration.validateRepairsWithDiagnostic)
        #expect(configuration.circuitBreaker.unhealthyShare == 0.3 && configuration.circuitBreaker.window == .seconds(300))
        #expect(configuration.rateLimits.provisionsPerProvider == 10 && configuration.autoscaleInterval == .seconds(15))
        let pool = try #require(configuration.pools.first)
        #expect(pool.name == "train" && pool.provider == "aws,lambda" && pool.gpus == 16 && pool.minNodes == 1 && pool.maxNodes == 8)
        #expect(pool.labels == ["team": "ml"] && pool.autoscaling?.scaleUpCooldown == .seconds(120))
        #expect(pool.strategy == .cost)
        let policy = try #require(pool.healthPolicy)
        #expect(policy.ignoredXIDs == [13] && configuration.healthPolicy.ignoredXIDs == [31], "each pool its own")
        #expect(pool.autoscaling?.autoscaler.summary == "max(reactive 30-85%, queue 2/node, scheduled (1 window(s), Europe/Paris))")
        #expect(configuration.notifications.map(\.kind) == [.slack, .pagerduty])
        #expect(configuration.notifications[1].routingKey == "R0UTING" && configuration.notifications[1].minimumSeverity == .critical)
        #expect(configuration.notifications[1].url == "https://events.pagerduty.com/v2/enqueue")
    }

    @Test(arguments: [
        ("pools:\n  train:\n    type: h100\n    max_nodes: 2\n    autoscaler:\n      type: magic\n", "navarch.yaml:6: pools.train.autoscaler.type: expected reactive, queue, scheduled, predictive or composite, got 'magic'"),
        ("pools:\n  train:\n    type: h100\n    gpus: 8\n    autoscaler:\n      type: queue\n", "navarch.yaml:6: pools.train.autoscaler: an autoscaled pool needs max_nodes"),
        ("pools:\n  train:\n    type: h100\n    gpus: 8\n    colour: red\n", "navarch.yaml:5: pools.train.colour: unknown key; known keys here: autoscaler, gpus, health, labels, max_nodes, min_nodes, nodes, placement, provider, scale_down_cooldown, scale_up_cooldown, spot, spot_fallback, strategy, type"),
        ("pools:\n  train:\n    type: z900\n    gpus: 8\n", "navarch.yaml:3: pools.train.type: unknown GPU type"),
        ("notifications:\n  - type: webhook\n    url: http://hooks.example\n", "navarch.yaml:2: notifications[0].secret: required: the HMAC key the receiver checks (or secret_file)"),
        ("notifications:\n  - type: slack\n", "navarch.yaml:2: notifications[0].url: required: an http:// or https:// URL"),
        ("circuit_breaker:\n  unhealthy_share: 2\n", "navarch.yaml:2: circuit_breaker.unhealthy_share: expected a share between 0 and 1 (or 0% and 100%), got '2'"),
        ("remediation:\n  max_concurrent: 0\n", "navarch.yaml:2: remediation.max_concurrent: expected a whole number of at least 1, got '0'"),
    ])
    func badFleetSettingsNameTheKeyAndLine(_ yaml: String, _ message: String) {
        do {
            _ = try ConfigurationFile.parse(yaml)
            Issue.record("no error for \(yaml)")
        } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
        }
    }
}
