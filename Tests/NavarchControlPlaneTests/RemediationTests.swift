import Foundation
import GRPCCore
import NavarchClient
import NavarchControlPlane
import NavarchCore
import NavarchProto
import NavarchProviders
import NavarchStore
import NavarchTesting
import Synchronization
import Testing

@Suite struct RemediationTests {
    /// Agents simulated over real gRPC: an unhealthy report cordons the node, a replacement is
    /// provisioned first, and only then is the bad instance terminated.
    @Test func unhealthyNodeIsCordonedReplacedThenTerminated() async throws {
        let provider = FakeProvider()
        let store = InMemoryStore()
        // These simulated agents do not heartbeat: a long interval keeps them from going silent on a loaded machine.
        var configuration = testConfiguration()
        configuration.heartbeatInterval = .seconds(60)
        let plane = ControlPlane(configuration: configuration, store: store).with(provider: provider)
        try await withControlPlane(plane) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                let pool = try await client.createPool(name: "demo", gpuType: "h100", gpus: 16)
                #expect(pool.desiredNodes == 2 && pool.provider == "fake")
                var requests = provider.requests.makeAsyncIterator()
                let first = try #require(await requests.next()), second = try #require(await requests.next())
                #expect(Set([first.nodeID, second.nodeID]) == ["demo-0", "demo-1"])
                #expect(first.controlPlaneAddress == endpoints.grpcAddress)

                try await withNodeClient(endpoints) { agent in
                    for request in [first, second] {
                        _ = try await agent.register(registration(node: request.nodeID, instance: request.instanceID))
                    }
                    try await eventually("both instances run") {
                        try await client.instances(pool: "demo").filter { $0.state == .running }.count == 2
                    }
                    let bad = first.nodeID
                    let received = Recorder<String>()
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            var watch = Navarch_V1_WatchCommandsRequest()
                            watch.nodeID = bad
                            try await agent.watchCommands(watch) { response in
                                for try await command in response.messages {
                                    received.append(command.kind.domain?.rawValue ?? "?")
                                }
                            }
                        }
                        var report = Navarch_V1_ReportHealthRequest()
                        report.nodeID = bad
                        report.health = .unhealthy
                        report.reason = "XID 54 on GPU 0: auxiliary power is not connected"
                        var observation = Navarch_V1_HealthObservation()
                        observation.kind = "xid"
                        observation.code = 54
                        observation.gpuIndex = 0
                        observation.verdict = .unhealthy
                        report.observations = [observation]
                        _ = try await agent.reportHealth(report)

                        let node = try await client.node(bad)
                        #expect(node.state == .cordoned && node.health == .unhealthy, "cordoned before the call returned")
                        let replacement = try #require(await requests.next())
                        #expect(replacement.nodeID == "demo-2")
                        #expect(provider.terminated.isEmpty, "surge first: nothing terminated before the replacement is up")
                        try await eventually("cordon reaches the node") { received.values.contains("cordon") }

                        _ = try await agent.register(registration(node: replacement.nodeID, instance: replacement.instanceID))
                        try await eventually("the bad instance is terminated") { provider.terminated == [first.instanceID] }
                        try await eventually("terminate reaches the node") { received.values.contains("terminate") }
                        group.cancelAll()
                    }
                    try await eventually("the pool is back to two healthy nodes") {
                        let nodes = try await client.nodes(pool: "demo")
                        return nodes.filter { $0.state == .active && $0.health == .healthy }.map(\.id).sorted() == ["demo-1", "demo-2"]
                            && nodes.first { $0.id == bad }?.state == .terminated
                    }
                    let kinds = try await client.events(pool: "demo").map(\.kind)
                    for expected in ["node.observation", "node.health_changed", "node.cordoned", "remediation.replace", "instance.terminating", "instance.terminated", "node.terminated"] {
                        #expect(kinds.contains(expected), "event \(expected)")
                    }
                    let order = ["remediation.replace", "instance.requested", "instance.terminating"].map { kind in
                        kinds.lastIndex(of: kind) ?? -1
                    }
                    #expect(order == order.sorted(), "replacement requested before termination: \(kinds)")
                }

                _ = try await client.deletePool(name: "demo")
                try await eventually("the pool is gone") { try await client.pools().isEmpty }
                #expect(provider.running.isEmpty)
            }
        }
    }

    @Test func failedProvisionIsRetried() async throws {
        let provider = FakeProvider()
        provider.failNextProvisions(2, with: NavarchError(.capacity, "no capacity in zone"))
        let plane = ControlPlane(configuration: testConfiguration(), store: InMemoryStore()).with(provider: provider)
        try await withControlPlane(plane) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                _ = try await client.createPool(name: "retry", gpuType: "l4", gpus: 1)
                var requests = provider.requests.makeAsyncIterator()
                let request = try #require(await requests.next())
                #expect(provider.provisionCalls == 3)
                let failed = try await client.instances(pool: "retry").filter { $0.state != .requested && !$0.failureReason.isEmpty }
                #expect(failed.count == 2)
                #expect(failed.allSatisfy { $0.failureReason.contains("no capacity in zone") })
                try await withNodeClient(endpoints) { agent in
                    _ = try await agent.register(registration(node: request.nodeID, instance: request.instanceID, gpus: 1))
                }
                try await eventually("the retried instance runs") {
                    try await client.instances(pool: "retry").contains { $0.state == .running }
                }
            }
        }
    }

    @Test func operatorCordonDrainUncordonReachTheNode() async throws {
        // This node never heartbeats: a long interval keeps it from going silent (and unhealthy,
        // which uncordon refuses without --force) on a loaded machine.
        var configuration = testConfiguration()
        configuration.heartbeatInterval = .seconds(60)
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: FakeProvider())
        try await withControlPlane(plane) { endpoints in
            try await withNodeClient(endpoints) { agent in
                _ = try await agent.register(registration(node: "solo", instance: ""))
                try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                    let cordoned = try await client.cordon("solo", reason: "maintenance")
                    #expect(cordoned.state == .cordoned && cordoned.cordonReason == "maintenance")
                    let drained = try await client.drain("solo", reason: "maintenance")
                    #expect(drained.state == .draining)
                    var watch = Navarch_V1_WatchCommandsRequest()
                    watch.nodeID = "solo"
                    let pending = try await agent.watchCommands(watch) { response in
                        var commands: [Navarch_V1_NodeCommand] = []
                        for try await command in response.messages {
                            commands.append(command)
                            if commands.count == 2 { break }
                        }
                        return commands
                    }
                    #expect(pending.map(\.kind) == [.cordon, .drain], "commands issued while disconnected are delivered on connect")
                    var ack = Navarch_V1_AcknowledgeCommandRequest()
                    ack.nodeID = "solo"
                    ack.commandID = pending[1].id
                    ack.success = true
                    _ = try await agent.acknowledgeCommand(ack)
                    #expect(try await client.node("solo").state == .drained)
                    let back = try await client.uncordon("solo")
                    #expect(back.state == .active && back.cordonReason.isEmpty)
                }
            }
        }
    }

    /// Time through a manual clock: a node silent for three intervals is marked unhealthy
    /// and replaced, with no real waiting.
    @Test func silentNodeIsMarkedUnhealthy() async throws {
        let clock = ManualClock()
        let provider = FakeProvider()
        let plane = ControlPlane(configuration: testConfiguration(), store: InMemoryStore()).with(provider: provider).with(clock: clock)
        try await withControlPlane(plane) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                _ = try await client.createPool(name: "quiet", gpuType: "l4", gpus: 1)
                var requests = provider.requests.makeAsyncIterator()
                let request = try #require(await requests.next())
                try await withNodeClient(endpoints) { agent in
                    _ = try await agent.register(registration(node: request.nodeID, instance: request.instanceID, gpus: 1))
                }
                try await eventually("healthy") { try await client.node(request.nodeID).health == .healthy }
                // Not marked before three intervals: HeartbeatTrackerTests proves it on the tracker.
                clock.advance(by: .seconds(3.5))
                try await eventually("marked unhealthy") { try await client.node(request.nodeID).health == .unhealthy }
                let node = try await client.node(request.nodeID)
                #expect(node.state == .cordoned)
                #expect(node.healthReason.hasPrefix("no heartbeat for"))
                // Silent: the replacement waits one more detection window (an outage would open
                // the breaker meanwhile), then goes ahead.
                try await eventually("the replacement waits its grace") {
                    try await client.events(nodeID: request.nodeID).contains { $0.kind == "remediation.waiting" && $0.attributes["waiting"] == "silence-grace" }
                }
                #expect(provider.provisionCalls == 1)
                clock.advance(by: .seconds(3.5))
                let replacement = try #require(await requests.next())
                #expect(replacement.nodeID == "quiet-1")
            }
        }
    }
}
