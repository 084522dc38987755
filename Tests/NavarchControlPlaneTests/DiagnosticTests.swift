import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import NavarchClient
import NavarchControlPlane
import NavarchCore
import NavarchHealth
import NavarchProto
import NavarchProviders
import NavarchStore
import NavarchTesting
import Testing

/// `navarch diag run` through the control plane, with an agent simulated over real gRPC.
@Suite(.timeLimit(.minutes(1))) struct DiagnosticTests {
    /// Brings up one node and returns after it runs; `body` gets the admin client, the agent client and the node id.
    func withOneNode(
        _ body: @Sendable (NavarchClient, Navarch_V1_NodeService.Client<HTTP2ClientTransport.Posix>, String) async throws -> Void
    ) async throws {
        let provider = FakeProvider()
        // These agents send no heartbeats: a long interval keeps the monitor from marking them
        // unhealthy while a slow machine runs the test.
        var configuration = testConfiguration()
        configuration.heartbeatInterval = .seconds(60)
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: provider)
        try await withControlPlane(plane) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                _ = try await client.createPool(name: "diag", gpuType: "h100", gpus: 8)
                var requests = provider.requests.makeAsyncIterator()
                let request = try #require(await requests.next())
                try await withNodeClient(endpoints) { agent in
                    _ = try await agent.register(registration(node: request.nodeID, instance: request.instanceID))
                    try await eventually("the node is active") { try await client.node(request.nodeID).state == .active }
                    try await body(client, agent, request.nodeID)
                }
            }
        }
    }

    /// Acknowledges the node's pending commands of `kind` as the agent would.
    func acknowledge(
        _ kind: Navarch_V1_CommandKind, on node: String, success: Bool, message: String,
        agent: Navarch_V1_NodeService.Client<HTTP2ClientTransport.Posix>
    ) async throws -> Navarch_V1_NodeCommand {
        var watch = Navarch_V1_WatchCommandsRequest()
        watch.nodeID = node
        let command = try await agent.watchCommands(watch) { response in
            for try await command in response.messages where command.kind == kind { return command }
            throw RPCError(code: .notFound, message: "no \(kind) command")
        }
        var ack = Navarch_V1_AcknowledgeCommandRequest()
        ack.nodeID = node
        ack.commandID = command.id
        ack.success = success
        ack.message = message
        _ = try await agent.acknowledgeCommand(ack)
        return command
    }

    @Test func aPassingDiagnosticReturnsTheNodeToService() async throws {
        try await withOneNode { client, agent, node in
            let (started, _) = try await client.runDiagnostic(node, suite: "dcgm", level: 2)
            #expect(started.state == .draining)
            _ = try await acknowledge(.drain, on: node, success: true, message: "drained", agent: agent)
            try await eventually("the node is diagnosing") { try await client.node(node).state == .diagnosing }
            let command = try await acknowledge(.runDiagnostic, on: node, success: true, message: "9 test(s) passed", agent: agent)
            #expect(command.parameters == ["suite": "dcgm", "level": "2", "return_to_service": "true"])
            try await eventually("the node is back in service") { try await client.node(node).state == .active }
            let kinds = try await client.events(nodeID: node).map(\.kind)
            #expect(kinds.contains("diagnostic.requested") && kinds.contains("diagnostic.passed"))
            #expect(try await client.node(node).health == .healthy)
        }
    }

    @Test func aResultArrivingBeforeTheDrainAcknowledgementStillReturnsTheNodeToService() async throws {
        try await withOneNode { client, agent, node in
            _ = try await client.runDiagnostic(node, suite: "dcgm", level: 1)
            _ = try await acknowledge(.runDiagnostic, on: node, success: true, message: "dcgmi is not installed: skipped", agent: agent)
            _ = try await acknowledge(.drain, on: node, success: true, message: "drained", agent: agent)
            try await eventually("the node is back in service") { try await client.node(node).state == .active }
            #expect(try await client.events(nodeID: node).contains { $0.kind == "diagnostic.passed" })
        }
    }

    @Test func aNodeCordonedBeforeTheDiagnosticStaysCordonedAfterAPass() async throws {
        try await withOneNode { client, agent, node in
            _ = try await client.cordon(node, reason: "maintenance")
            let (started, _) = try await client.runDiagnostic(node, suite: "dcgm", level: 1)
            #expect(started.state == .draining)
            _ = try await acknowledge(.drain, on: node, success: true, message: "drained", agent: agent)
            let command = try await acknowledge(.runDiagnostic, on: node, success: true, message: "passed", agent: agent)
            #expect(command.parameters["return_to_service"] == "false")
            try await eventually("the node is back to cordoned, not in service") { try await client.node(node).state == .cordoned }
        }
    }

    @Test func aFailingDiagnosticMakesTheNodeUnhealthyAndReplacesIt() async throws {
        try await withOneNode { client, agent, node in
            _ = try await client.runDiagnostic(node, suite: "nccl", level: 1)
            _ = try await acknowledge(.drain, on: node, success: true, message: "drained", agent: agent)
            _ = try await acknowledge(.runDiagnostic, on: node, success: false, message: "nccl_all_reduce: peak bus bandwidth 120.0 GB/s; expected at least 360 GB/s", agent: agent)
            try await eventually("the node is unhealthy and its replacement requested") {
                let events = try await client.events(nodeID: node).map(\.kind)
                return try await client.node(node).health == .unhealthy && events.contains("diagnostic.failed") && events.contains("remediation.replace")
            }
        }
    }

    @Test func badRequestsNameTheProblem() async throws {
        try await withOneNode { client, _, node in
            await #expect { try await client.runDiagnostic(node, suite: "memtest", level: 1) } throws: { "\($0)".contains("unknown diagnostic suite 'memtest'") }
            await #expect { try await client.runDiagnostic(node, suite: "dcgm", level: 7) } throws: { "\($0)".contains("level must be 1 to 4") }
            await #expect { try await client.runDiagnostic("ghost", suite: "dcgm", level: 1) } throws: { "\($0)".contains("ghost") }
            _ = try await client.runDiagnostic(node, suite: "dcgm", level: 1)
            await #expect { try await client.runDiagnostic(node, suite: "dcgm", level: 1) } throws: { "\($0)".contains("already has a diagnostic pending") }
        }
    }

    @Test func theControlPlaneServesItsHealthPolicy() async throws {
        var setup = testConfiguration()
        setup.healthPolicy = try HealthPolicyFile.parse("ignore_xids: [43]\nrules:\n  - name: xid-restart-bare-metal\n    action: replace\n")
        let configuration = setup
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: FakeProvider())
        try await withControlPlane(plane) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                let policy = try HealthPolicyFile.parse(try await client.healthPolicyYAML())
                #expect(policy == configuration.healthPolicy)
            }
            try await withNodeClient(endpoints) { agent in
                let response = try await agent.register(registration(node: "n-0", instance: ""))
                #expect(try HealthPolicyFile.parse(response.healthPolicy).rule(named: "xid-restart-bare-metal")?.action == .replace)
            }
        }
    }
}
