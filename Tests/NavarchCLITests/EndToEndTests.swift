import Foundation
import NavarchProviders
import NavarchTesting
import NavarchClient
import NavarchCore
import Testing

/// The whole system with real processes: `navarch serve`, `navarch up` starting real agents
/// with simulated GPUs, a real XID line in a node's kernel log, real gRPC throughout.
@Suite(.serialized) struct EndToEndTests {
    static let xid79 = "[6781741.548779] NVRM: Xid (PCI:0000:18:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus."
    /// A double-bit ECC error on GPU 1 (PCI bus 2a): NVIDIA's answer is a GPU reset.
    static let xid48 = "[6781742.100000] NVRM: Xid (PCI:0000:2a:00): 48, pid='<unknown>', name=<unknown>, An uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer at partition 6, subpartition 0."
    /// Auxiliary power not connected: check the mechanicals, replace.
    static let xid54 = "[6781743.200000] NVRM: Xid (PCI:0000:18:00): 54, pid='<unknown>', name=<unknown>, Auxiliary power is not connected to the GPU board"

    func kernelLog(of node: Node) throws -> String {
        try #require(node.labels["simulated-kmsg"], "the agent reports its simulated kernel log")
    }

    func healthyActive(_ client: NavarchClient, pool: String) async throws -> [String] {
        try await client.nodes(pool: pool).filter { $0.state == .active && $0.health == .healthy }.map(\.id).sorted()
    }

    @Test func xidOnANodeGetsItReplacedAndDownLeavesNothing() async throws {
        // The quick start as the README gives it: TLS with the control plane's own CA, tokens.
        let serve = try ServeProcess(tls: true)
        defer { serve.cleanUp() }
        try await serve.start()
        let followed = serve.dataDirectory + "-events.jsonl"
        let follower = try await ChildProcess.spawn(
            Binaries.navarch, ["events", "--follow", "-o", "json", "--server", serve.server], stdout: followed, stderr: followed,
            environment: ServeProcess.clientEnvironment(serve.server))
        defer { kill(follower.pid, SIGKILL); _ = follower.exitStatus() }

        let up = try await navarch(["up", "--server", serve.server, "--gpus", "16", "--type", "h100", "--name", "demo", "--timeout", "60"])
        #expect(up.status == 0, "up failed: \(up.stderr)\n\(serve.logTail())")
        #expect(up.stdout.contains("pool demo is up: 2 node(s), 16 GPU(s), all healthy"), "\(up.stdout)")
        var secrets = serve.secrets()
        #expect(secrets.count == 5, "the admin token, and each machine's join token and credential")

        let status = try await navarch(["status", "--server", serve.server])
        #expect(status.status == 0)
        #expect(status.stdout.contains("demo  local     h100  2/2"), "\(status.stdout)")

        let get = try await navarch(["nodes", "get", "demo-0", "--server", serve.server, "-o", "json"])
        #expect(get.status == 0, "\(get.stderr)")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601withFractions
        let demo0 = try decoder.decode(Node.self, from: Data(get.stdout.utf8))
        #expect(demo0.gpus.count == 8 && demo0.health == .healthy && demo0.state == .active)
        #expect(demo0.gpus.first?.pciBusID == "00000000:18:00.0")

        let cordon = try await navarch(["cordon", "demo-1", "--reason", "maintenance", "--server", serve.server])
        #expect(cordon.status == 0 && cordon.stdout.contains("node demo-1 cordoned"), "\(cordon.stderr)")
        let uncordon = try await navarch(["uncordon", "demo-1", "--server", serve.server])
        #expect(uncordon.status == 0, "\(uncordon.stderr)")

        try await NavarchClient.with(server: serve.server, security: serve.security) { client in
            #expect(try await client.node("demo-1").state == .active)
            // A flood of identical application errors on demo-1: coalesced, nothing lost, node stays healthy.
            let demo1Log = try kernelLog(of: try await client.node("demo-1"))
            try injectKernelLogLine(
                Array(repeating: "NVRM: Xid (PCI:0000:2a:00): 13, pid=7, name=python, Graphics SM Warp Exception", count: 500).joined(separator: "\n"),
                into: demo1Log)
            // XID 48 on one GPU of demo-1: drain, reset that GPU, validate, back in service.
            try injectKernelLogLine(Self.xid48, into: demo1Log)
            try await eventually("demo-1's GPU 1 is reset and validated", timeout: .seconds(30)) {
                let events = try await client.events(nodeID: "demo-1")
                let node = try await client.node("demo-1")
                return events.contains { $0.kind == "remediation.validated" } && node.state == .active && node.health == .healthy
            }
            let demo1Events = try await client.events(nodeID: "demo-1").map(\.kind)
            for expected in ["remediation.reset_gpu", "node.draining", "node.drained", "node.repairing", "remediation.validated", "node.active"] {
                #expect(demo1Events.contains(expected), "demo-1 lacks \(expected): \(demo1Events)")
            }
            #expect(try await client.events(nodeID: "demo-1").first { $0.kind == "remediation.reset_gpu" }?.attributes["gpu"] == "1")

            // XID 79 on demo-0: a reboot first (the agent's simulated machine starts over).
            let instance0 = demo0.instanceID
            try injectKernelLogLine(Self.xid79, into: try kernelLog(of: demo0))
            try await eventually("demo-0 is rebooted and validated", timeout: .seconds(30)) {
                let node = try await client.node("demo-0")
                let events = try await client.events(nodeID: "demo-0")
                return events.contains { $0.kind == "remediation.reboot" } && events.contains { $0.kind == "remediation.validated" }
                    && node.state == .active && node.health == .healthy
            }
            #expect(try await client.instances(pool: "demo").count == 2, "repaired, nothing provisioned")
            // The same XID again within 24 h: the one reboot allowed is used; replace.
            try injectKernelLogLine(Self.xid79, into: try kernelLog(of: demo0))

            try await eventually("demo-0 is cordoned and unhealthy") {
                let node = try await client.node("demo-0")
                return (node.state == .cordoned || node.state == .terminated) && node.health == .unhealthy
            }
            try await eventually("a replacement registered, the bad instance terminated, two healthy nodes") {
                let instances = try await client.instances(pool: "demo")
                let replaced = instances.first { $0.id == instance0 }?.state == .terminated
                let replacement = instances.contains { $0.replacesInstanceID == instance0 && $0.state == .running }
                let healthy = try await healthyActive(client, pool: "demo")
                return replaced && replacement && healthy.count == 2
            }
            #expect(try await healthyActive(client, pool: "demo") == ["demo-1", "demo-2"])
            #expect(try await client.node("demo-0").state == .terminated)
            #expect(try await client.node("demo-0").gpus[0].health == .unhealthy)
        }

        try await NavarchClient.with(server: serve.server, security: serve.security) { client in
            try await eventually("the XID 13 flood is reported as one burst with its count", timeout: .seconds(20)) {
                let floods = try await client.events(nodeID: "demo-1").filter { $0.kind == "node.observation" && $0.attributes["code"] == "13" }
                return floods.compactMap { Int($0.attributes["count"] ?? "") }.reduce(0, +) == 500
            }
            let floods = try await client.events(nodeID: "demo-1").filter { $0.kind == "node.observation" && $0.attributes["code"] == "13" }
            #expect(floods.count <= 3, "\(floods.count) observation events for one flood")
            #expect(try await client.node("demo-1").health == .healthy)
        }

        let events = try await navarch(["events", "--server", serve.server, "--node", "demo-0"])
        for expected in ["node.observation", "XID 79 on GPU 0", "node.health_changed", "node.cordoned", "remediation.reboot", "remediation.replace", "instance.terminated", "node.terminated"] {
            #expect(events.stdout.contains(expected), "events lack \(expected):\n\(events.stdout)")
        }

        let history = try await navarch(["nodes", "history", "demo-0", "--server", serve.server])
        #expect(history.status == 0, "\(history.stderr)")
        for expected in ["remediation.reboot", "remediation.validated", "remediation.replace", "navarch/remediation", "xid-restart-bare-metal", "#"] {
            #expect(history.stdout.contains(expected), "history lacks \(expected):\n\(history.stdout)")
        }
        let breakers = try await navarch(["breaker", "--server", serve.server])
        #expect(breakers.status == 0 && breakers.stdout.contains("fleet") && breakers.stdout.contains("closed"), "\(breakers.stdout)")
        let queue = try await navarch(["pools", "report-queue", "demo", "--depth", "3", "--node-jobs", "demo-1=2", "--server", serve.server])
        #expect(queue.status == 0 && queue.stdout.contains("pool demo: 3 job(s) waiting"), "\(queue.stdout)\(queue.stderr)")
        let stranger = try await navarch(["pools", "report-queue", "demo", "--depth", "1", "--node-jobs", "nosuch=1", "--server", serve.server])
        #expect(stranger.status != 0 && stranger.stderr.contains("node nosuch is not a node of pool demo"), "\(stranger.stderr)")
        let pools = try await navarch(["pools", "--server", serve.server])
        #expect(pools.stdout.contains("demo") && pools.stdout.contains("QUEUE"), "\(pools.stdout)")

        let down = try await navarch(["down", "demo", "--server", serve.server])
        #expect(down.status == 0, "\(down.stderr)")
        #expect(down.stdout.contains("pool demo is down"))
        try await eventually("events --follow streamed the whole story", timeout: .seconds(30)) {
            let lines = ((try? String(contentsOfFile: followed, encoding: .utf8)) ?? "").split(separator: "\n")
            let kinds = lines.compactMap { try? JSONDecoder().decode(EventKind.self, from: Data($0.utf8)).kind }
            guard let replaced = kinds.firstIndex(of: "remediation.replace"), let deleted = kinds.lastIndex(of: "pool.deleted") else { return false }
            return kinds.first == "pool.created" && replaced < deleted
        }
        try await eventually("no agent process is left", timeout: .seconds(10)) { serve.leftoverProcesses().isEmpty }
        #expect(try await serve.stop() == 0, "serve exits cleanly on SIGTERM")
        // No secret in any log or event of the run: the control plane's, the agents', the CLI's.
        secrets += serve.secrets()
        let written = serve.logs() + ((try? String(contentsOfFile: followed, encoding: .utf8)) ?? "")
        for secret in Set(secrets) { #expect(!written.contains(secret), "a secret is in a log or an event") }
    }

    @Test func controlPlaneKilledMidReplacementComesBackIntact() async throws {
        let serve = try ServeProcess(tls: true)
        defer { serve.cleanUp() }
        try await serve.start()
        let up = try await navarch(["up", "--server", serve.server, "--gpus", "16", "--type", "h100", "--name", "demo", "--timeout", "60"])
        #expect(up.status == 0, "\(up.stderr)")

        let (before, bad) = try await NavarchClient.with(server: serve.server, security: serve.security) { client in
            let node = try await client.node("demo-0")
            try injectKernelLogLine(Self.xid54, into: try kernelLog(of: node))
            try await eventually("the replacement is requested") {
                try await client.instances(pool: "demo").contains { $0.replacesInstanceID == node.instanceID }
            }
            return (try await client.events(), node)
        }
        try await serve.kill()

        let restarted = try ServeProcess(dataDirectory: serve.dataDirectory, grpcPort: serve.grpcPort, httpPort: serve.httpPort, tls: true)
        defer { restarted.cleanUp() }
        try await restarted.start()
        try await NavarchClient.with(server: restarted.server, security: restarted.security) { client in
            let pools = try await client.pools()
            #expect(pools.map(\.name) == ["demo"])
            #expect(pools.first?.desiredNodes == 2)
            let after = try await client.events(limit: 10_000)
            #expect(Array(after.prefix(before.count)) == before, "every acknowledged event survived")
            #expect(after.contains { $0.kind == "instance.found" }, "local instances were found again")
            #expect(try await client.node("demo-0").health == .unhealthy)

            try await eventually("the fleet converges again after the restart", timeout: .seconds(45)) {
                let instances = try await client.instances(pool: "demo")
                let badGone = instances.first { $0.id == bad.instanceID }?.state == .terminated
                let healthy = try await healthyActive(client, pool: "demo")
                return badGone && healthy.count == 2
            }
        }
        let down = try await navarch(["down", "demo", "--server", restarted.server])
        #expect(down.status == 0, "\(down.stderr)")
        try await eventually("no agent process is left", timeout: .seconds(10)) { restarted.leftoverProcesses().isEmpty }
    }
}

/// The one field of a followed event line the test reads.
struct EventKind: Decodable {
    let kind: String
}

extension JSONDecoder.DateDecodingStrategy {
    /// RFC 3339 with or without fractional seconds, as `-o json` writes.
    static var iso8601withFractions: JSONDecoder.DateDecodingStrategy {
        .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let date = formatter.date(from: text) { return date }
            formatter.formatOptions = [.withInternetDateTime]
            if let date = formatter.date(from: text) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad date \(text)"))
        }
    }
}
