import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import NavarchClient
import NavarchCloudFakes
import NavarchControlPlane
import NavarchCore
import NavarchNotifiers
import NavarchProto
import NavarchProviders
import NavarchStore
import NavarchTesting
import Synchronization
import Testing

/// The remediation ladder and the circuit breakers, with agents simulated over real gRPC: each
/// one answers its commands the way the node agent does.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RemediationLadderEndToEndTests {
    typealias Agent = Navarch_V1_NodeService.Client<HTTP2ClientTransport.Posix>

    static func observation(xid: Int32, gpu: Int32, action: String, rule: String) -> Navarch_V1_HealthObservation {
        var observation = Navarch_V1_HealthObservation()
        observation.kind = "xid"
        observation.code = xid
        observation.gpuIndex = gpu
        observation.verdict = .unhealthy
        observation.action = action
        observation.rule = rule
        observation.message = "XID \(xid)"
        return observation
    }

    static func report(_ node: String, _ observation: Navarch_V1_HealthObservation) -> Navarch_V1_ReportHealthRequest {
        var report = Navarch_V1_ReportHealthRequest()
        report.nodeID = node
        report.health = .unhealthy
        report.reason = "GPU \(observation.gpuIndex): XID \(observation.code) (rule \(observation.rule))"
        report.observations = [observation]
        return report
    }

    /// Answers the node's commands as an agent would, recording them, until cancelled.
    static func answerCommands(
        _ agent: Agent, node: String, received: Recorder<Navarch_V1_NodeCommand>,
        answer: @escaping @Sendable (Navarch_V1_NodeCommand) -> (Bool, String)? = { _ in (true, "done") }
    ) async throws {
        var watch = Navarch_V1_WatchCommandsRequest()
        watch.nodeID = node
        try await agent.watchCommands(watch) { response in
            for try await command in response.messages {
                received.append(command)
                guard let (success, message) = answer(command) else { continue }
                var ack = Navarch_V1_AcknowledgeCommandRequest()
                ack.nodeID = node
                ack.commandID = command.id
                ack.success = success
                ack.message = message
                _ = try await agent.acknowledgeCommand(ack)
            }
        }
    }

    /// A test configuration whose simulated agents, which do not heartbeat, are not taken for
    /// silent on a loaded machine.
    static func quietConfiguration() -> ControlPlaneConfiguration {
        var configuration = testConfiguration()
        configuration.heartbeatInterval = .seconds(60)
        return configuration
    }

    /// A pool of `count` registered nodes on a fake provider.
    static func pool(
        _ name: String, nodes count: Int, client: NavarchClient, agent: Agent, provider: FakeProvider
    ) async throws -> [ProvisionRequest] {
        _ = try await client.createPool(name: name, gpuType: "h100", gpus: 8 * count)
        var requests = provider.requests.makeAsyncIterator()
        var made: [ProvisionRequest] = []
        for _ in 0..<count { made.append(try #require(await requests.next())) }
        for request in made { _ = try await agent.register(registration(node: request.nodeID, instance: request.instanceID)) }
        try await eventually("the pool runs") {
            try await client.instances(pool: name).filter { $0.state == .running }.count == count
        }
        return made
    }

    @Test func xid48IsRepairedByAGPUResetAndValidatedBeforeUncordon() async throws {
        let provider = FakeProvider()
        let plane = ControlPlane(configuration: Self.quietConfiguration(), store: InMemoryStore()).with(provider: provider)
        try await withFleet(plane) { client, agent in
            let made = try await Self.pool("demo", nodes: 2, client: client, agent: agent, provider: provider)
            let node = made[0].nodeID
            let received = Recorder<Navarch_V1_NodeCommand>()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Self.answerCommands(agent, node: node, received: received) { command in
                        command.kind == .resetGpu ? (true, "GPU 3 reset; 2 boot check(s) passed") : (true, "done")
                    }
                }
                _ = try await agent.reportHealth(Self.report(node, Self.observation(xid: 48, gpu: 3, action: "reset_gpu", rule: "xid-reset-gpu")))
                try await eventually("the node is validated and back in service") {
                    let current = try await client.node(node)
                    return current.state == .active && current.health == .healthy
                        && received.values.contains { $0.kind == .uncordon }
                }
                group.cancelAll()
            }
            let kinds = received.values.map(\.kind)
            #expect(Array(kinds.prefix(3)) == [.cordon, .drain, .resetGpu], "cordon, drain, then reset: \(kinds)")
            #expect(received.values.first { $0.kind == .resetGpu }?.parameters["gpu"] == "3")
            let events = try await client.events(nodeID: node)
            let reset = try #require(events.first { $0.kind == "remediation.reset_gpu" })
            #expect(reset.attributes["actor"] == "navarch/remediation" && reset.attributes["rule"] == "xid-reset-gpu")
            #expect(reset.attributes["gpu"] == "3" && reset.attributes["xid"] == "48")
            let evidence = try #require(reset.attributes["evidence"]).split(separator: ",").compactMap { Int64($0) }
            #expect(evidence.contains { sequence in events.contains { $0.sequence == sequence && $0.kind == "node.observation" } }, "the evidence names the observation")
            let states = events.filter { $0.kind.hasPrefix("node.") }.map(\.kind)
            for expected in ["node.cordoned", "node.draining", "node.drained", "node.repairing", "node.active"] {
                #expect(states.contains(expected), "\(expected) in \(states)")
            }
            #expect(events.contains { $0.kind == "remediation.validated" })
            #expect(provider.provisionCalls == 2, "repaired, not replaced")
            #expect(provider.terminated.isEmpty)
        }
    }

    @Test func repeatedXID79RebootsOnceThenReplaces() async throws {
        let provider = FakeProvider()
        let plane = ControlPlane(configuration: Self.quietConfiguration(), store: InMemoryStore()).with(provider: provider)
        try await withFleet(plane) { client, agent in
            let made = try await Self.pool("demo", nodes: 2, client: client, agent: agent, provider: provider)
            let node = made[0]
            let received = Recorder<Navarch_V1_NodeCommand>()
            let xid79 = Self.observation(xid: 79, gpu: 0, action: "reboot", rule: "xid-restart-bare-metal")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Self.answerCommands(agent, node: node.nodeID, received: received) { command in
                        command.kind == .reboot ? (true, "rebooting") : (true, "done")
                    }
                }
                _ = try await agent.reportHealth(Self.report(node.nodeID, xid79))
                try await eventually("the reboot is sent") { received.values.contains { $0.kind == .reboot } }
                try await eventually("the node waits for its reboot") {
                    try await client.node(node.nodeID).state == .repairing
                }
                // The machine comes back: the agent registers again, boot checks passed.
                _ = try await agent.register(registration(node: node.nodeID, instance: node.instanceID))
                try await eventually("the reboot is validated") {
                    let current = try await client.node(node.nodeID)
                    return current.state == .active && current.health == .healthy
                }
                #expect(provider.provisionCalls == 2)

                // The same fault again within 24 h: one reboot is the limit; replace.
                var requests = provider.requests.makeAsyncIterator()
                let started = ContinuousClock.now
                _ = try await agent.reportHealth(Self.report(node.nodeID, xid79))
                let replacement = try #require(await requests.next())
                let latency = ContinuousClock.now - started
                print("figure: unhealthy verdict to replacement requested: \(latency.milliseconds) ms")
                #expect(replacement.nodeID == "demo-2")
                let instances = try await client.instances(pool: "demo")
                #expect(instances.first { $0.nodeID == "demo-2" }?.replacesInstanceID == node.instanceID, "the same pool, provider and type")
                #expect(provider.terminated.isEmpty, "surge first")
                group.cancelAll()
            }
            let events = try await client.events(nodeID: node.nodeID)
            let replace = try #require(events.last { $0.kind == "remediation.replace" })
            #expect(replace.attributes["ladder"]?.contains("1 reboot(s) in 24h already") == true, "\(replace.attributes)")
            #expect(replace.attributes["rule"] == "xid-restart-bare-metal")
            #expect(events.filter { $0.kind == "remediation.reboot" }.count == 1)
        }
    }

    @Test func aFailedResetClimbsToReboot() async throws {
        let provider = FakeProvider()
        let plane = ControlPlane(configuration: Self.quietConfiguration(), store: InMemoryStore()).with(provider: provider)
        try await withFleet(plane) { client, agent in
            let made = try await Self.pool("demo", nodes: 1, client: client, agent: agent, provider: provider)
            let node = made[0].nodeID
            let received = Recorder<Navarch_V1_NodeCommand>()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Self.answerCommands(agent, node: node, received: received) { command in
                        command.kind == .resetGpu ? (false, "GPU 3 reset, but the boot checks failed: gpu_count: 7 of 8 GPUs") : (true, "done")
                    }
                }
                _ = try await agent.reportHealth(Self.report(node, Self.observation(xid: 48, gpu: 3, action: "reset_gpu", rule: "xid-reset-gpu")))
                try await eventually("the failed validation climbs to a reboot") { received.values.contains { $0.kind == .reboot } }
                group.cancelAll()
            }
            let events = try await client.events(nodeID: node)
            let failed = try #require(events.first { $0.kind == "remediation.validation_failed" })
            #expect(failed.attributes["next"] == "reboot" && failed.message.contains("7 of 8 GPUs"))
            let current = try await client.node(node)
            #expect(current.state != .active, "an unvalidated node never goes back on its own")
            let refused = await #expect(throws: NavarchError.self) { try await client.uncordon(node) }
            #expect(refused?.message.contains("--force") == true, "\(String(describing: refused))")
        }
    }

    /// With `max_concurrent: 1`, a second node needing a repair waits until the first is done.
    @Test func onlyMaxConcurrentNodesOfAPoolAreInRemediationAtOnce() async throws {
        var configuration = Self.quietConfiguration()
        configuration.maxConcurrentRemediations = 1
        let provider = FakeProvider()
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: provider)
        try await withFleet(plane) { client, agent in
            let made = try await Self.pool("demo", nodes: 3, client: client, agent: agent, provider: provider)
            let (first, second) = (made[0].nodeID, made[1].nodeID)
            let held = Recorder<Navarch_V1_NodeCommand>()
            let received = Recorder<Navarch_V1_NodeCommand>()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // The first node's reset takes its time: it is not acknowledged yet.
                    try await Self.answerCommands(agent, node: first, received: held) { $0.kind == .resetGpu ? nil : (true, "done") }
                }
                group.addTask { try await Self.answerCommands(agent, node: second, received: received) }
                let fault = Self.observation(xid: 48, gpu: 1, action: "reset_gpu", rule: "xid-reset-gpu")
                _ = try await agent.reportHealth(Self.report(first, fault))
                try await eventually("the first reset is sent") { held.values.contains { $0.kind == .resetGpu } }
                _ = try await agent.reportHealth(Self.report(second, fault))
                try await eventually("the second node waits its turn") {
                    try await client.events(nodeID: second).contains { $0.kind == "remediation.waiting" && $0.attributes["waiting"] == "concurrency" }
                }
                #expect(!received.values.contains { $0.kind == .resetGpu })
                #expect(try await client.node(second).state == .cordoned, "cordoned at once all the same")
                // The first reset finishes: the second goes ahead.
                let reset = try #require(held.values.first { $0.kind == .resetGpu })
                var ack = Navarch_V1_AcknowledgeCommandRequest()
                ack.nodeID = first
                ack.commandID = reset.id
                ack.success = true
                ack.message = "GPU 1 reset"
                _ = try await agent.acknowledgeCommand(ack)
                try await eventually("the second node is repaired in its turn") {
                    let one = try await client.node(first).state, two = try await client.node(second).state
                    return one == .active && two == .active
                }
                group.cancelAll()
            }
        }
    }

    /// With `validate_with_diagnostic`, a reset GPU goes back only after a level-1 diagnostic passes.
    @Test func aRepairCanBeValidatedByALevel1Diagnostic() async throws {
        var configuration = Self.quietConfiguration()
        configuration.validateRepairsWithDiagnostic = true
        let provider = FakeProvider()
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: provider)
        try await withFleet(plane) { client, agent in
            let node = try await Self.pool("demo", nodes: 1, client: client, agent: agent, provider: provider)[0].nodeID
            let received = Recorder<Navarch_V1_NodeCommand>()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Self.answerCommands(agent, node: node, received: received) { command in
                        command.kind == .runDiagnostic ? (true, "3 test(s) passed") : (true, "done")
                    }
                }
                _ = try await agent.reportHealth(Self.report(node, Self.observation(xid: 48, gpu: 2, action: "reset_gpu", rule: "xid-reset-gpu")))
                try await eventually("validated by the diagnostic") {
                    try await client.events(nodeID: node).contains { $0.kind == "remediation.validated" }
                }
                group.cancelAll()
            }
            let kinds = received.values.map(\.kind)
            let reset = try #require(kinds.firstIndex(of: .resetGpu)), diagnostic = try #require(kinds.firstIndex(of: .runDiagnostic))
            #expect(reset < diagnostic, "\(kinds)")
            #expect(received.values[diagnostic].parameters["level"] == "1" && received.values[diagnostic].parameters["validation"] == "reset_gpu")
            let current = try await client.node(node)
            #expect(current.state == .active && current.health == .healthy)
            #expect(try await client.events(nodeID: node).contains { $0.kind == "diagnostic.passed" })
        }
    }

    /// Every node of a provider silent at once: the fleet's breaker opens even where no pool is
    /// big enough to trip on its share.
    @Test func aWholeProviderGoingSilentOpensTheFleetBreaker() async throws {
        let provider = FakeProvider()
        let plane = ControlPlane(configuration: testConfiguration(), store: InMemoryStore()).with(provider: provider)
        try await withFleet(plane) { client, agent in
            _ = try await Self.pool("pair", nodes: 2, client: client, agent: agent, provider: provider)
            // Nobody heartbeats: both nodes go silent together.
            try await eventually("the fleet breaker opens", timeout: .seconds(20)) {
                try await client.serverInfo().breakers.contains { $0.scope == "fleet" && $0.open }
            }
            let fleet = try #require(try await client.serverInfo().breakers.first { $0.scope == "fleet" })
            #expect(fleet.reason == "all 2 nodes of provider fake went silent at once", "\(fleet.reason)")
            // Past the silence grace each replacement is decided and held, not requested.
            try await eventually("both replacements are held", timeout: .seconds(20)) {
                Set(try await client.events(pool: "pair").filter { $0.kind == "remediation.held" }.map(\.nodeID)).count == 2
            }
            #expect(provider.provisionCalls == 2 && provider.terminated.isEmpty, "nothing replaced while the breaker is open")
        }
    }

    @Test func uncordonForceIsTheOperatorsWordAndIsRecorded() async throws {
        let plane = ControlPlane(configuration: Self.quietConfiguration(), store: InMemoryStore()).with(provider: FakeProvider())
        try await withControlPlane(plane) { endpoints in
            try await withNodeClient(endpoints) { agent in
                _ = try await agent.register(registration(node: "solo", instance: ""))
                _ = try await agent.reportHealth(Self.report("solo", Self.observation(xid: 54, gpu: 1, action: "replace", rule: "xid-hardware")))
                try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                    try await eventually("solo is cordoned") { try await client.node("solo").state == .cordoned }
                    let refused = await #expect(throws: NavarchError.self) { try await client.uncordon("solo") }
                    #expect(refused?.message.contains("has not passed validation") == true)
                    #expect(try await client.node("solo").state == .cordoned)
                    let forced = try await client.uncordon("solo", force: true, reason: "swapped the riser card", actor: "operator:alice")
                    #expect(forced.state == .active)
                    let events = try await client.events(nodeID: "solo")
                    let record = try #require(events.first { $0.kind == "node.uncordoned_forced" })
                    #expect(record.attributes["actor"] == "admin (via operator:alice)" && record.attributes["forced"] == "true")
                    #expect(events.contains { $0.kind == "node.active" && $0.message.contains("swapped the riser card") })
                    let cordon = try #require(events.first { $0.kind == "node.cordoned" })
                    #expect(cordon.attributes["actor"] == "navarch")
                }
            }
        }
    }

    /// 40% of a pool goes silent at once: the breaker opens, a notification goes out, and the
    /// ladder makes no provider call until an operator resets the breaker.
    @Test func outageOpensTheBreakerAndNothingIsTerminated() async throws {
        let received = Recorder<FakeHTTPRequest>()
        let receiver = try await FakeHTTPServer.start { request in
            received.append(request)
            return .text(200, "ok")
        }
        defer { Task { await receiver.stop() } }
        let provider = FakeProvider()
        let route = NotificationRoute(kind: .webhook, url: receiver.baseURL + "/hook", secret: "s3cret", minimumSeverity: .critical, kinds: ["breaker.*"])
        let plane = ControlPlane(configuration: testConfiguration(), store: InMemoryStore()).with(provider: provider)
            .with(notifier: RoutedNotifier(route: route))
        try await withFleet(plane) { client, agent in
            let made = try await Self.pool("train", nodes: 5, client: client, agent: agent, provider: provider)
            let silent = Set(made.prefix(2).map(\.nodeID))
            let all = made.map(\.nodeID)
            let stopped = Recorder<String>()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while true {
                        let quiet = Set(stopped.values)
                        for node in all where !quiet.contains(node) {
                            var beat = Navarch_V1_HeartbeatRequest()
                            beat.nodeID = node
                            _ = try await agent.heartbeat(beat)
                        }
                        try await Task.sleep(for: .milliseconds(250))
                    }
                }
                try await Task.sleep(for: .seconds(1))
                let callsBefore = provider.provisionCalls
                for node in silent { stopped.append(node) }
                try await eventually("the breaker opens", timeout: .seconds(20)) {
                    try await client.events(pool: "train").contains { $0.kind == "breaker.opened" }
                }
                try await eventually("both silent nodes are held", timeout: .seconds(20)) {
                    let held = try await client.events(pool: "train").filter { $0.kind == "remediation.held" }
                    return Set(held.map(\.nodeID)) == silent
                }
                // Held means decided past the silence grace: nothing was asked of the provider.
                let callsDuringOutage = provider.provisionCalls - callsBefore
                print("figure: provider calls during the outage: \(callsDuringOutage) provision(s), \(provider.terminated.count) termination(s)")
                #expect(callsDuringOutage == 0)
                #expect(provider.terminated.isEmpty)
                for node in silent {
                    let current = try await client.node(node)
                    #expect(current.state == .cordoned && current.health == .unhealthy, "cordoning goes on: \(current.state)")
                }
                let info = try await client.serverInfo()
                let open = info.breakers.filter(\.open)
                #expect(open.map(\.scope).contains("pool train"), "\(info.breakers)")
                #expect(open.first?.reason.contains("2 of 5 nodes") == true, "\(open)")

                try await eventually("the webhook got the breaker, signed") {
                    received.values.contains { $0.text.contains("\"event\":\"breaker.opened\"") }
                }
                let hook = try #require(received.values.first { $0.text.contains("breaker.opened") })
                let timestamp = try #require(hook.header("X-Navarch-Timestamp").flatMap(Int.init))
                #expect(WebhookSignature.verify(body: hook.body, timestamp: timestamp, secret: "s3cret", signature: hook.header("X-Navarch-Signature") ?? ""))
                #expect(received.values.allSatisfy { $0.text.contains("breaker.") }, "routing: only breaker events reach this receiver")

                // The operator looks, finds the machines really dead, and resets the breaker.
                let reset = try await client.resetBreaker(actor: "operator:bob")
                #expect(Set(reset.map(\.scope)).isSuperset(of: ["pool train"]))
                try await eventually("the held replacements go ahead", timeout: .seconds(10)) {
                    provider.provisionCalls - callsBefore == 2
                }
                let resetEvent = try #require(try await client.events(pool: "train").first { $0.kind == "breaker.reset" })
                #expect(resetEvent.attributes["actor"] == "admin (via operator:bob)")
                group.cancelAll()
            }
        }
    }

    @Test func openBreakersSurviveARestart() async throws {
        let store = InMemoryStore()
        var configuration = Self.quietConfiguration()
        configuration.circuitBreaker.minimumNodes = 2
        let provider = FakeProvider()
        try await withControlPlane(ControlPlane(configuration: configuration, store: store).with(provider: provider)) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                try await withNodeClient(endpoints) { agent in
                    let made = try await Self.pool("small", nodes: 2, client: client, agent: agent, provider: provider)
                    _ = try await agent.reportHealth(Self.report(made[0].nodeID, Self.observation(xid: 54, gpu: 0, action: "replace", rule: "xid-hardware")))
                    try await eventually("the breaker opens") { try await client.serverInfo().breakers.contains { $0.open } }
                }
            }
        }
        try await withControlPlane(ControlPlane(configuration: configuration, store: store).with(provider: provider)) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                let open = try await client.serverInfo().breakers.filter(\.open)
                #expect(!open.isEmpty, "only an operator closes a breaker")
                let unknown = await #expect(throws: NavarchError.self) { try await client.resetBreaker(scope: "nosuchpool") }
                #expect(unknown?.message.contains("no pool nosuchpool") == true)
                #expect(try await client.resetBreaker(scope: "small").count == 1)
                #expect(try await client.resetBreaker(scope: "small").isEmpty, "already closed")
            }
        }
    }
}
