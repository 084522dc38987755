import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRPCCore
import GRPCNIOTransportHTTP2
import NavarchClient
import NavarchCore
import NavarchProto
import NavarchProviders
import NavarchStore
import NavarchTesting
import Testing

@testable import NavarchControlPlane

/// Who may do what, over TLS with the control plane's own CA: every refusal is
/// UNAUTHENTICATED or PERMISSION_DENIED (401 or 403) and leaves the fleet as it was.
@Suite(.timeLimit(.minutes(2))) struct SecurityTests {
    /// A control plane serving TLS with its own CA, on free ports.
    static func secureConfiguration() -> ControlPlaneConfiguration {
        var configuration = testConfiguration()
        configuration.insecure = false
        configuration.heartbeatInterval = .seconds(60)
        return configuration
    }

    static func code(_ body: () async throws -> Void) async -> RPCError.Code? {
        do { try await body() } catch let error as RPCError { return error.code } catch let error as NavarchError {
            switch error.code {
            case .unauthenticated: return .unauthenticated
            case .permissionDenied: return .permissionDenied
            case .resourceExhausted: return .resourceExhausted
            case .unavailable: return .unavailable
            default: return .unknown
            }
        } catch { return .unknown }
        return nil
    }

    static func xid79(replace: Bool = true) -> Navarch_V1_ReportHealthRequest {
        var observation = Navarch_V1_HealthObservation()
        observation.kind = "xid"
        observation.code = 79
        observation.gpuIndex = 0
        observation.verdict = .unhealthy
        observation.message = "GPU has fallen off the bus."
        observation.action = replace ? "replace" : "none"
        observation.count = 1
        var request = Navarch_V1_ReportHealthRequest()
        request.nodeID = "demo-1"
        request.health = .unhealthy
        request.reason = "XID 79"
        request.observations = [observation]
        return request
    }

    /// The attack from the field: a script with no credential reports a made-up XID 79 that
    /// asks for a replacement. It is refused, and nothing happens to the node.
    @Test func aForgedReportWithoutCredentialsChangesNothing() async throws {
        let provider = FakeProvider()
        let plane = ControlPlane(configuration: Self.secureConfiguration(), store: InMemoryStore()).with(provider: provider)
        try await withControlPlane(plane) { endpoints in
            #expect(endpoints.caPath != nil && !endpoints.insecure)
            try await withNodeClient(endpoints) { agent in
                _ = try await agent.register(registration(node: "demo-1", instance: ""))
            }
            let anonymous = endpoints.clientSecurity(credential: nil)
            let refused = await Self.code {
                try await withNodeClient(endpoints, as: anonymous) { agent in _ = try await agent.reportHealth(Self.xid79()) }
            }
            #expect(refused == .unauthenticated)
            let forgedToken = endpoints.clientSecurity(credential: "nvt1.abcdefabcdef.not-a-secret")
            let forged = await Self.code {
                try await withNodeClient(endpoints, as: forgedToken) { agent in _ = try await agent.reportHealth(Self.xid79()) }
            }
            #expect(forged == .unauthenticated)
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                let node = try await client.node("demo-1")
                #expect(node.health == .healthy && node.state == .active)
                #expect(try await client.events(nodeID: "demo-1").allSatisfy { $0.kind != "node.observation" })
            }
            #expect(provider.provisionCalls == 0 && provider.terminated.isEmpty)
        }
    }

    /// Tokens have roles: a viewer reads, an operator cordons but buys nothing, an admin does
    /// both; what each does is recorded under its token's name.
    @Test func rolesAreCheckedAndTheActorIsTheTokenName() async throws {
        let plane = ControlPlane(configuration: Self.secureConfiguration(), store: InMemoryStore()).with(provider: FakeProvider())
        try await withControlPlane(plane) { endpoints in
            try await withNodeClient(endpoints) { agent in _ = try await agent.register(registration(node: "n1", instance: "")) }
            let (viewer, ops) = try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { admin in
                (try await admin.createToken(name: "dash", role: .viewer, lifetime: nil).secret,
                 try await admin.createToken(name: "ops", role: .operator, lifetime: nil).secret)
            }
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.clientSecurity(credential: viewer)) { client in
                let ids = try await client.nodes().map(\.id)
                #expect(ids == ["n1"])
                #expect(await Self.code { _ = try await client.cordon("n1", reason: "x") } == .permissionDenied)
                #expect(await Self.code { _ = try await client.tokens() } == .permissionDenied)
                let role = try await client.whoAmI().role
                #expect(role == "viewer")
            }
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.clientSecurity(credential: ops)) { client in
                #expect(await Self.code { _ = try await client.createPool(name: "buy", gpuType: "h100", gpus: 8) } == .permissionDenied)
                #expect(await Self.code { _ = try await client.createToken(name: "mine", role: .admin, lifetime: nil) } == .permissionDenied)
                // An operator is not a node: the node API is closed to it.
                #expect(await Self.code {
                    try await withNodeClient(endpoints, as: endpoints.clientSecurity(credential: ops)) { agent in
                        _ = try await agent.reportHealth(Self.xid79())
                    }
                } == .permissionDenied)
                _ = try await client.cordon("n1", reason: "maintenance", actor: "operator:mallory")
            }
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { admin in
                #expect(try await admin.pools().isEmpty)
                let cordoned = try #require(try await admin.events(nodeID: "n1").first { $0.kind == "node.cordoned" })
                #expect(cordoned.attributes["actor"] == "ops (via operator:mallory)")
                #expect(try await admin.tokens().map(\.name) == ["admin", "dash", "ops"])
                _ = try await admin.revokeToken(name: "ops")
            }
            let revoked = await Self.code {
                try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.clientSecurity(credential: ops)) { client in
                    _ = try await client.uncordon("n1")
                }
            }
            #expect(revoked == .unauthenticated)
        }
    }

    /// A node's credential acts for that node alone, and stops working when the node is
    /// terminated; a join token joins once.
    @Test func nodeCredentialsAndJoinTokens() async throws {
        let provider = FakeProvider()
        let plane = ControlPlane(configuration: Self.secureConfiguration(), store: InMemoryStore()).with(provider: provider)
        try await withControlPlane(plane) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                _ = try await client.createPool(name: "demo", gpuType: "h100", gpus: 16)
            }
            var requests = provider.requests.makeAsyncIterator()
            let first = try #require(await requests.next()), second = try #require(await requests.next())
            #expect(first.joinToken.hasPrefix("nvj1.\(first.instanceID).") && first.caCertificatePEM.contains("BEGIN CERTIFICATE"))
            let anonymous = endpoints.clientSecurity(credential: nil)

            func join(_ request: ProvisionRequest, token: String) async throws -> String {
                var message = registration(node: request.nodeID, instance: request.instanceID)
                message.joinToken = token
                return try await withNodeClient(endpoints, as: anonymous) { agent in try await agent.register(message).nodeCredential }
            }
            #expect(await Self.code { _ = try await join(first, token: "") } == .unauthenticated)
            #expect(await Self.code { _ = try await join(first, token: second.joinToken) } == .unauthenticated, "another instance's token")
            let expired = try JoinTokenIssuer(keyFile: endpoints.adminTokenPath.replacingOccurrences(of: "admin.token", with: "join-token.key"), lifetime: .seconds(60))
                .issue(instanceID: first.instanceID, now: Date().addingTimeInterval(-3600))
            #expect(await Self.code { _ = try await join(first, token: expired) } == .unauthenticated, "an expired token")

            let credentialA = try await join(first, token: first.joinToken)
            #expect(credentialA.hasPrefix("nvn1.\(first.nodeID)."))
            #expect(await Self.code { _ = try await join(first, token: first.joinToken) } == .unauthenticated, "a replayed join token")
            let credentialB = try await join(second, token: second.joinToken)

            let asA = endpoints.clientSecurity(credential: credentialA)
            try await withNodeClient(endpoints, as: asA) { agent in
                var heartbeat = Navarch_V1_HeartbeatRequest()
                heartbeat.nodeID = first.nodeID
                _ = try await agent.heartbeat(heartbeat)
                heartbeat.nodeID = second.nodeID
                #expect(await Self.code { _ = try await agent.heartbeat(heartbeat) } == .permissionDenied)
                var report = Self.xid79()
                report.nodeID = second.nodeID
                #expect(await Self.code { _ = try await agent.reportHealth(report) } == .permissionDenied)
                // Re-registering with its own credential keeps it.
                #expect(try await agent.register(registration(node: first.nodeID, instance: first.instanceID)).nodeCredential.isEmpty)
                #expect(await Self.code { _ = try await agent.watchOnce(second.nodeID) } == .permissionDenied)
            }
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                #expect(try await client.node(second.nodeID).health == .healthy, "A's reports about B were refused")
                _ = try await client.scalePool(name: "demo", desiredNodes: 0)
                // Each agent acknowledges its drain, with its own credential.
                for (node, credential) in [(first.nodeID, credentialA), (second.nodeID, credentialB)] {
                    try await withNodeClient(endpoints, as: endpoints.clientSecurity(credential: credential)) { agent in
                        let command = try await agent.firstCommand(node)
                        var ack = Navarch_V1_AcknowledgeCommandRequest()
                        ack.nodeID = node
                        ack.commandID = command.id
                        ack.success = true
                        _ = try await agent.acknowledgeCommand(ack)
                    }
                }
                do {
                    try await eventually("both nodes are terminated") {
                        try await client.nodes(pool: "demo").allSatisfy { $0.state == .terminated }
                    }
                } catch {
                    Issue.record("\(try await client.nodes(pool: "demo").map { "\($0.id) \($0.state)" }) \(try await client.events(limit: 200).map(\.kind))")
                    throw error
                }
            }
            try await withNodeClient(endpoints, as: endpoints.clientSecurity(credential: credentialB)) { agent in
                var heartbeat = Navarch_V1_HeartbeatRequest()
                heartbeat.nodeID = second.nodeID
                #expect(await Self.code { _ = try await agent.heartbeat(heartbeat) } == .unauthenticated, "revoked at termination")
            }
        }
    }

    /// A client that trusts another CA does not talk to this control plane.
    @Test func aClientTrustingAnotherCAIsRefused() async throws {
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("navarch-other-ca-\(UUID().uuidString)").path
        let material = try TLSMaterial.automatic(in: other, hosts: [], now: Date())
        let plane = ControlPlane(configuration: Self.secureConfiguration(), store: InMemoryStore()).with(provider: FakeProvider())
        try await withControlPlane(plane) { endpoints in
            let mistrusting = ClientSecurity(trust: .caFile(try #require(material.caPath)), credential: endpoints.adminToken)
            let refused = await Self.code {
                try await NavarchClient.with(server: endpoints.grpcAddress, security: mistrusting, timeout: .seconds(5)) { _ = try await $0.pools() }
            }
            #expect(refused == .unavailable)
            let plaintext = await Self.code {
                try await NavarchClient.with(server: endpoints.grpcAddress, security: .insecure, timeout: .seconds(5)) { _ = try await $0.pools() }
            }
            #expect(plaintext == .unavailable)
            #expect(try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { try await $0.pools() }.isEmpty)
        }
    }

    /// With `tls.client_ca_file`, a client also needs a certificate from that CA: a token
    /// alone is not enough, and MCP over HTTP still reaches the fleet (its tools go in-process).
    @Test func mutualTLSAsksForAClientCertificate() async throws {
        var configuration = Self.secureConfiguration()
        configuration.tlsClientCAFile = configuration.tlsDirectory + "/ca.pem"
        // The control plane's own CA signs the clients' certificates: made before the start.
        _ = try TLSMaterial.automatic(in: configuration.tlsDirectory, hosts: [], now: Date())
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: FakeProvider())
        let (tlsDirectory, dataDirectory) = (configuration.tlsDirectory, configuration.dataDirectory)
        try await withControlPlane(plane) { endpoints in
            let withoutCertificate = await Self.code {
                try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin, timeout: .seconds(5)) { _ = try await $0.pools() }
            }
            #expect(withoutCertificate == .unavailable)
            let issued = try TLSMaterial.issueClientCertificate(
                name: "ops", caDirectory: tlsDirectory, into: dataDirectory + "/clients", now: Date())
            var security = endpoints.admin
            security.clientCertificate = issued
            #expect(try await NavarchClient.with(server: endpoints.grpcAddress, security: security) { try await $0.pools() }.isEmpty)
            // The certificate is not a credential: without a token the call is still refused.
            security.credential = nil
            #expect(await Self.code { _ = try await NavarchClient.with(server: endpoints.grpcAddress, security: security) { try await $0.pools() } } == .unauthenticated)
        }
    }

    /// A token past its lifetime is refused (the control plane's clock decides).
    @Test func anExpiredTokenIsRefused() async throws {
        let clock = ManualClock(start: Date())
        let plane = ControlPlane(configuration: Self.secureConfiguration(), store: InMemoryStore()).with(provider: FakeProvider()).with(clock: clock)
        try await withControlPlane(plane) { endpoints in
            let short = try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { admin in
                try await admin.createToken(name: "short", role: .viewer, lifetime: .seconds(600)).secret
            }
            let security = endpoints.clientSecurity(credential: short)
            #expect(try await NavarchClient.with(server: endpoints.grpcAddress, security: security) { try await $0.pools() }.isEmpty)
            clock.advance(by: .seconds(601))
            #expect(await Self.code { _ = try await NavarchClient.with(server: endpoints.grpcAddress, security: security) { try await $0.pools() } } == .unauthenticated)
        }
    }

    /// Oversized messages and a flood from one principal are refused; others go on being served.
    @Test func hostileInputIsBounded() async throws {
        var configuration = Self.secureConfiguration()
        configuration.maxMessageBytes = 64 * 1024
        configuration.callsPerMinute = 30
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: FakeProvider())
        try await withControlPlane(plane) { endpoints in
            var big = registration(node: "big", instance: "")
            big.labels = ["padding": String(repeating: "x", count: 100 * 1024)]
            // Refused before it is read: the server resets the call (grpc-swift reports it to
            // the client as UNAVAILABLE), and the node is not registered.
            let oversized = await Self.code { try await withNodeClient(endpoints) { agent in _ = try await agent.register(big) } }
            #expect(oversized == .resourceExhausted || oversized == .unavailable, "\(String(describing: oversized))")
            #expect(await Self.code { _ = try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { try await $0.node("big") } } != nil)

            let flood = try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { admin in
                try await admin.createToken(name: "flood", role: .viewer, lifetime: nil).secret
            }
            var refused = 0
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.clientSecurity(credential: flood)) { client in
                for _ in 0..<60 where await Self.code({ _ = try await client.pools() }) == .resourceExhausted { refused += 1 }
            }
            #expect(refused >= 10, "a budget of 30 calls a minute lets at most 30 of 60 quick calls through, and some of the refill")
            // The admin has a budget of its own.
            #expect(try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { try await $0.nodes() }.isEmpty)
        }
    }

    /// The REST API answers 401 without a token, 403 for a role too low, and serves the rest;
    /// the probes stay open.
    @Test func restChecksTheSameRoles() async throws {
        let plane = ControlPlane(configuration: testConfiguration(), store: InMemoryStore()).with(provider: FakeProvider())
        try await withControlPlane(plane) { endpoints in
            try await withNodeClient(endpoints) { agent in _ = try await agent.register(registration(node: "n1", instance: "")) }
            let viewer = try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { admin in
                try await admin.createToken(name: "dash", role: .viewer, lifetime: nil).secret
            }
            func send(_ method: String, _ path: String, token: String?) async throws -> Int {
                var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(endpoints.httpPort)\(path)")))
                request.httpMethod = method
                if method == "POST" { request.httpBody = Data("{}".utf8); request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
                if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
                let (_, response) = try await URLSession.shared.data(for: request)
                return (response as? HTTPURLResponse)?.statusCode ?? 0
            }
            #expect(try await send("GET", "/healthz", token: nil) == 200)
            #expect(try await send("GET", "/v1/nodes", token: nil) == 401)
            #expect(try await send("GET", "/v1/nodes", token: "nvt1.nope.nope") == 401)
            #expect(try await send("GET", "/v1/nodes", token: viewer) == 200)
            #expect(try await send("POST", "/v1/nodes/n1/cordon", token: viewer) == 403)
            #expect(try await send("POST", "/v1/pools", token: viewer) == 403)
            #expect(try await send("POST", "/mcp", token: nil) == 401)
            #expect(try await send("POST", "/v1/nodes/n1/cordon", token: endpoints.adminToken) == 200)
        }
    }

    /// The control plane judges an observation by its own policy: an agent that asks for a
    /// replacement for an application fault gets its advice recorded and nothing bought.
    @Test func theControlPlaneJudgesForItself() async throws {
        let provider = FakeProvider()
        let plane = ControlPlane(configuration: Self.secureConfiguration(), store: InMemoryStore()).with(provider: provider)
        try await withControlPlane(plane) { endpoints in
            try await withNodeClient(endpoints) { agent in
                _ = try await agent.register(registration(node: "demo-1", instance: ""))
                // The agent says the node is unhealthy and asks for a replacement, for one
                // application fault.
                var report = Self.xid79()
                report.observations[0].code = 13
                report.observations[0].message = "Graphics SM Warp Exception on (GPC 0, TPC 1, SM 0)"
                _ = try await agent.reportHealth(report)
            }
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                let observation = try #require(try await client.events(nodeID: "demo-1").first { $0.kind == "node.observation" })
                #expect(observation.attributes["agentAction"] == "replace" && observation.attributes["agentVerdict"] == "unhealthy")
                #expect(observation.attributes["action"] != "replace", "\(observation.attributes)")
                let node = try await client.node("demo-1")
                #expect(node.state == .active && node.health == .healthy, "\(node.state) \(node.health)")
            }
            #expect(provider.provisionCalls == 0)
        }
    }

    /// What the control plane logs and records never carries a secret: tokens, node
    /// credentials, join tokens.
    @Test func noSecretInLogsOrEvents() async throws {
        let records = Recorder<RecordingLogHandler.Record>()
        let provider = FakeProvider()
        let plane = ControlPlane(configuration: Self.secureConfiguration(), store: InMemoryStore(), logger: .recording(into: records))
            .with(provider: provider)
        try await withControlPlane(plane) { endpoints in
            var secrets = [try #require(endpoints.adminToken)]
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { admin in
                secrets.append(try await admin.createToken(name: "ci", role: .operator, lifetime: .seconds(3600)).secret)
                _ = try await admin.createPool(name: "demo", gpuType: "h100", gpus: 8)
            }
            var requests = provider.requests.makeAsyncIterator()
            let request = try #require(await requests.next())
            secrets.append(request.joinToken)
            var message = registration(node: request.nodeID, instance: request.instanceID)
            message.joinToken = request.joinToken
            let credential = try await withNodeClient(endpoints, as: endpoints.clientSecurity(credential: nil)) { try await $0.register(message).nodeCredential }
            secrets.append(credential)
            // Refusals are logged: with what was refused, never with what was presented.
            _ = await Self.code {
                try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.clientSecurity(credential: secrets[1] + "x")) { _ = try await $0.tokens() }
            }
            let events = try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { try await $0.events(limit: 10_000) }
            let text = records.values.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n") + "\n"
                + events.map { "\($0.message) \($0.attributes)" }.joined(separator: "\n")
            #expect(records.values.contains { $0.message == "call refused" })
            for secret in secrets {
                let hidden = String(try #require(secret.split(separator: ".").last))
                #expect(!text.contains(hidden), "a secret appears in the log or the events")
            }
        }
    }
}

extension Navarch_V1_NodeService.Client where Transport == HTTP2ClientTransport.Posix {
    /// The first command `WatchCommands` gives `nodeID`.
    func firstCommand(_ nodeID: String) async throws -> Navarch_V1_NodeCommand {
        var request = Navarch_V1_WatchCommandsRequest()
        request.nodeID = nodeID
        return try await watchCommands(request) { response in
            for try await command in response.messages { return command }
            throw NavarchError(.internal, "no command for \(nodeID)")
        }
    }

    /// Opens `WatchCommands` for `nodeID` and reads nothing: refused or not.
    func watchOnce(_ nodeID: String) async throws {
        var request = Navarch_V1_WatchCommandsRequest()
        request.nodeID = nodeID
        try await watchCommands(request) { response in
            for try await _ in response.messages { break }
        }
    }
}
