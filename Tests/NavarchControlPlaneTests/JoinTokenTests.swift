import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRPCCore
import NavarchClient
import NavarchCore
import NavarchProto
import NavarchProviders
import NavarchStore
import NavarchTesting
import Testing

@testable import NavarchControlPlane

/// Cloud machines join with the single-use token in their user data, and the control plane
/// serves them the agent binary whose checksum the user data names.
struct JoinTokenTests {
    @Test(.timeLimit(.minutes(1))) func aCloudMachineJoinsOnlyWithItsToken() async throws {
        let provider = FakeProvider(name: "cloud", bootstrapsAgent: true)
        var configuration = testConfiguration(defaultProvider: "cloud")
        configuration.heartbeatInterval = .seconds(60)
        let agentBinary = configuration.dataDirectory + "-agent"
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        try Data("pretend agent binary".utf8).write(to: URL(fileURLWithPath: agentBinary))
        configuration.agentBinary = agentBinary
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: provider)
        try await withControlPlane(plane) { endpoints in
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                _ = try await client.createPool(name: "gpu", gpuType: "h100", gpus: 8)
                var requests = provider.requests.makeAsyncIterator()
                let request = try #require(await requests.next())
                #expect(request.userData.hasPrefix("#cloud-config\n"))
                let sha = try AgentDownload.sha256(ofFile: agentBinary)
                #expect(request.userData.contains("sha256='\(sha)'"))
                #expect(request.userData.contains("url='http://127.0.0.1:\(endpoints.httpPort)/v1/agent/navarch-node'"))
                let token = try #require(request.userData.components(separatedBy: "printf '%s\\n' '").dropFirst().first?.components(separatedBy: "'").first)
                #expect(token.hasPrefix("nvj1.\(request.instanceID)."))

                // The binary the user data points at is served, byte for byte.
                let (body, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(endpoints.httpPort)/v1/agent/navarch-node")!)
                #expect((response as? HTTPURLResponse)?.statusCode == 200)
                #expect(body == Data("pretend agent binary".utf8))

                let credential = try await withNodeClient(endpoints, as: endpoints.clientSecurity(credential: nil)) { agent in
                    // No token, then a token of another instance: refused, and recorded.
                    let refused = try await #require(throws: RPCError.self) {
                        _ = try await agent.register(registration(node: request.nodeID, instance: request.instanceID))
                    }
                    #expect(refused.code == .unauthenticated)
                    #expect(refused.message.contains("must join with its join token"))
                    var wrong = registration(node: request.nodeID, instance: request.instanceID)
                    wrong.joinToken = token.replacingOccurrences(of: request.instanceID, with: "i-someoneelse")
                    let mismatched = try await #require(throws: RPCError.self) { _ = try await agent.register(wrong) }
                    #expect(mismatched.code == .unauthenticated)
                    let events = try await client.events(nodeID: request.nodeID).map(\.kind)
                    #expect(events.filter { $0 == "node.join_refused" }.count == 2)

                    var good = registration(node: request.nodeID, instance: request.instanceID)
                    good.joinToken = token
                    let credential = try await agent.register(good).nodeCredential
                    #expect(credential.hasPrefix("nvn1.\(request.nodeID)."))
                    try await eventually("the node is active") { try await client.node(request.nodeID).state == .active }
                    // Once joined, the token does not join again; the node's credential does.
                    let replayed = try await #require(throws: RPCError.self) { _ = try await agent.register(good) }
                    #expect(replayed.code == .unauthenticated)
                    return credential
                }
                try await withNodeClient(endpoints, as: endpoints.clientSecurity(credential: credential)) { agent in
                    _ = try await agent.register(registration(node: request.nodeID, instance: request.instanceID))
                }
            }
        }
    }

    @Test func aCloudProviderWithoutAnAgentBinaryStopsTheStart() async throws {
        var configuration = testConfiguration(defaultProvider: "cloud")
        configuration.agentBinary = nil
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: FakeProvider(name: "cloud", bootstrapsAgent: true))
        await #expect(throws: NavarchError.invalidArgument("no navarch-node binary for cloud machines to download: set bootstrap.agent_binary")) {
            try await withControlPlane(plane) { _ in }
        }
    }
}
