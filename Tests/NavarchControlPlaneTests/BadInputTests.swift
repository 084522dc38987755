import GRPCCore
import NavarchClient
import NavarchControlPlane
import NavarchCore
import NavarchProto
import NavarchProviders
import NavarchStore
import Testing

/// Requests with missing ids or unknown nodes get `invalidArgument` / `notFound`, and the
/// server keeps serving.
@Suite struct BadInputTests {
    func expectCode<T>(_ code: RPCError.Code, _ call: () async throws -> T, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            _ = try await call()
            Issue.record("expected \(code)", sourceLocation: sourceLocation)
        } catch let error as RPCError {
            #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func nodeAPIRejectsMissingAndUnknownIDs() async throws {
        // The node registered here sends no heartbeats: a long interval keeps it healthy on a slow machine.
        var configuration = testConfiguration()
        configuration.heartbeatInterval = .seconds(60)
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: FakeProvider())
        try await withControlPlane(plane) { endpoints in
            try await withNodeClient(endpoints) { node in
                await expectCode(.invalidArgument) { try await node.register(registration(node: "", instance: "")) }
                await expectCode(.notFound) { try await node.register(registration(node: "n", instance: "i-unknown")) }
                var heartbeat = Navarch_V1_HeartbeatRequest()
                await expectCode(.invalidArgument) { try await node.heartbeat(heartbeat) }
                heartbeat.nodeID = "ghost"
                await expectCode(.notFound) { try await node.heartbeat(heartbeat) }
                var report = Navarch_V1_ReportHealthRequest()
                report.nodeID = "ghost"
                report.health = .unhealthy
                await expectCode(.notFound) { try await node.reportHealth(report) }
                report.health = .unspecified
                await expectCode(.invalidArgument) { try await node.reportHealth(report) }
                var ack = Navarch_V1_AcknowledgeCommandRequest()
                ack.nodeID = "ghost"
                await expectCode(.invalidArgument) { try await node.acknowledgeCommand(ack) }
                var watch = Navarch_V1_WatchCommandsRequest()
                watch.nodeID = "ghost"
                await expectCode(.notFound) {
                    try await node.watchCommands(watch) { response in
                        for try await _ in response.messages {}
                    }
                }
                // A standalone node (no instance) may register; then its bad acks are notFound.
                _ = try await node.register(registration(node: "standalone", instance: ""))
                ack.nodeID = "standalone"
                ack.commandID = "nope"
                await expectCode(.notFound) { try await node.acknowledgeCommand(ack) }
            }
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                await #expect(throws: NavarchError.notFound("node ghost not found")) { try await client.node("ghost") }
                await #expect(throws: NavarchError.invalidArgument("node_id is required")) { try await client.node("") }
                await #expect(throws: NavarchError.notFound("node ghost not found")) { try await client.cordon("ghost", reason: "") }
                await #expect(throws: NavarchError.self) { try await client.createPool(name: "Bad_Name", gpuType: "h100", gpus: 8) }
                await #expect(throws: NavarchError.self) { try await client.createPool(name: "ok", gpuType: "h9000", gpus: 8) }
                await #expect(throws: NavarchError.self) { try await client.createPool(name: "ok", gpuType: "h100", gpus: 0) }
                await #expect(throws: NavarchError.self) { try await client.createPool(name: "ok", gpuType: "h100", gpus: 8, provider: "nimbus") }
                await #expect(throws: NavarchError.notFound("pool nope not found")) { try await client.deletePool(name: "nope") }
                await #expect(throws: NavarchError.notFound("pool nope not found")) { try await client.scalePool(name: "nope", desiredNodes: 1) }
                // Uncordoning an active node is an illegal transition, answered, not crashed on.
                await #expect(throws: NavarchError.failedPrecondition("node cannot uncordon while active")) { try await client.uncordon("standalone") }
                let nodes = try await client.nodes()
                #expect(nodes.map(\.id) == ["standalone"], "the server still serves")
            }
        }
    }

    @Test func unreachableControlPlaneSaysSo() async throws {
        await #expect(throws: NavarchError(.unavailable, "cannot reach the control plane at 127.0.0.1:1: is `navarch serve` running?")) {
            try await NavarchClient.with(server: "127.0.0.1:1", security: .insecure) { try await $0.pools() }
        }
    }
}
