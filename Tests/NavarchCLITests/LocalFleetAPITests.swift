import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NavarchClient
import NavarchCloudFakes
import NavarchCore
import Testing

/// The ways in against a fleet of real local nodes: `navarch up` starts two agents with
/// simulated GPUs, then the official Python MCP SDK drives `navarch mcp` over stdio and the
/// control plane's `/mcp`, and the REST API answers about the same nodes.
@Suite(.serialized, .enabled(if: PeerPython.clients.unavailableReason == nil, "the MCP SDK cannot run: NAVARCH_CLIENT_PYTHON must name a Python with mcp (scripts/test.sh installs it)"))
struct LocalFleetAPITests {
    static let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("NavarchControlPlaneTests/Python/mcp_client.py").path

    func failures(_ arguments: [String], _ serve: ServeProcess) async throws -> [String] {
        let (status, output) = try await PeerPython.clients.run(
            Self.client, arguments + ["--pool", "train", "--nodes", "train-0,train-1"], environment: ServeProcess.clientEnvironment(serve.server),
            timeout: .seconds(180))
        #expect(status == 0, "\(output.suffix(4000))")
        let line = try #require(output.split(separator: "\n").last, "\(output)")
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(output.suffix(4000))")
        return try #require(seen["failures"] as? [String], "\(output.suffix(4000))")
    }

    @Test(.timeLimit(.minutes(6)))
    func mcpOverStdioAndHTTPAndRESTAgainstLocalNodes() async throws {
        let serve = try ServeProcess()
        defer { serve.cleanUp() }
        try await serve.start()
        let up = try await navarch(["up", "--server", serve.server, "--gpus", "16", "--type", "h100", "--name", "train", "--timeout", "90"])
        try #require(up.status == 0, "up failed: \(up.stderr)\n\(serve.logTail())")

        let stdio = try await failures(["stdio", Binaries.navarch, serve.server], serve)
        #expect(stdio.isEmpty, "\(stdio.joined(separator: "\n"))")
        // The stdio run cordoned train-1; put it back for the HTTP run's checks.
        let uncordon = try await navarch(["uncordon", "train-1", "--server", serve.server])
        #expect(uncordon.status == 0, "\(uncordon.stderr)")
        let http = try await failures(["http", "http://127.0.0.1:\(serve.httpPort)/mcp"], serve)
        #expect(http.isEmpty, "\(http.joined(separator: "\n"))")

        let events = try await NavarchClient.with(server: serve.server, security: serve.security) { try await $0.events(nodeID: "train-1") }
        #expect(events.filter { $0.kind == "node.cordoned" && $0.attributes["actor"] == "admin (via mcp:pytest-agent)" }.count == 2, "\(events.map(\.attributes))")

        // REST about the same nodes: a page, a node with its GPUs' figures, the pool's counts.
        let (page, _) = try await URLSession.shared.data(for: try serve.request("/v1/nodes?pool=train&page_size=1"))
        let listed = try #require(try JSONSerialization.jsonObject(with: page) as? [String: Any])
        #expect((listed["nodes"] as? [[String: Any]])?.first?["id"] as? String == "train-0" && listed["total_size"] as? Int == 2, "\(listed)")
        let (node, _) = try await URLSession.shared.data(for: try serve.request("/v1/nodes/train-0"))
        let gpus = try #require((try JSONSerialization.jsonObject(with: node) as? [String: Any])?["gpus"] as? [[String: Any]])
        #expect(gpus.count == 8 && gpus.allSatisfy { ($0["metrics"] as? [String: Any])?.isEmpty == false }, "\(String(decoding: node, as: UTF8.self).prefix(500))")
        let (pools, _) = try await URLSession.shared.data(for: try serve.request("/v1/pools"))
        let counts = (try JSONSerialization.jsonObject(with: pools) as? [String: Any])?["counts"] as? [String: [String: Any]]
        #expect(counts?["train"]?["nodes"] as? Int == 2, "\(String(decoding: pools, as: UTF8.self))")

        let down = try await navarch(["down", "train", "--server", serve.server, "--timeout", "60"])
        #expect(down.status == 0, "\(down.stderr)")
        _ = try await serve.stop()
    }
}
