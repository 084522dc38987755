import Foundation
import Testing

/// Bad input gets one clear line on stderr and a non-zero exit.
@Suite struct CLIErrorTests {
    func expectFailure(_ arguments: [String], saying message: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try Binaries.require()
        let result = try await navarch(arguments)
        #expect(result.status != 0, "\(arguments) should fail", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        if arguments.first != "serve" {
            #expect(result.stderr.split(separator: "\n").count == 1, "one line on stderr: \(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    @Test func helpAndVersionGoToStandardOutput() async throws {
        try Binaries.require()
        let help = try await navarch(["up", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--gpus") && help.stderr.isEmpty)
        let version = try await navarch(["--version"])
        #expect(version.status == 0 && version.stdout.contains("0.1.0"))
        let unknown = try await navarch(["frobnicate"])
        #expect(unknown.status != 0 && unknown.stderr.hasPrefix("Error: "))
    }

    @Test func controlPlaneNotRunning() async throws {
        let port = try freePort()
        try await expectFailure(["status", "--server", "127.0.0.1:\(port)"], saying: "cannot reach the control plane at 127.0.0.1:\(port): is `navarch serve` running?")
        let lines = try await navarch(["nodes", "list", "--server", "127.0.0.1:\(port)"]).stderr.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(lines)")
    }

    @Test func badFlags() async throws {
        try await expectFailure(["up", "--gpus", "0", "--type", "h100", "--name", "x"], saying: "--gpus must be at least 1")
        try await expectFailure(["up", "--gpus", "8", "--type", "h9000", "--name", "x"], saying: "unknown GPU type 'h9000'")
        try await expectFailure(["status", "--server", "nowhere"], saying: "server address 'nowhere' is not host:port")
        try await expectFailure(["status", "-o", "xml"], saying: "xml")
        try await expectFailure(["simulate", "run", "examples/scenarios/ladder.yaml", "-o", "wide"], saying: "a simulation report is written as table or json")
        try await expectFailure(["completion", "tcsh"], saying: "tcsh")
        try await expectFailure(["nodes", "get"], saying: "Missing expected argument")
        try await expectFailure(["serve", "--grpc-port", "99999"], saying: "--grpc-port must be from 0 to 65535")
    }

    @Test func badConfigurationFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).yaml").path
        try "grpc:\n  prot: 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        try await expectFailure(["serve", "--config", path], saying: "\(path):2: grpc.prot: unknown key")
    }

    @Test func upSaysWhyNodesDoNotComeUpAndFails() async throws {
        let serve = try ServeProcess()
        defer { serve.cleanUp() }
        try await serve.start(extraArguments: ["--node-binary", "/bin/false"])
        let up = try await navarch(["up", "--server", serve.server, "--gpus", "1", "--type", "l4", "--name", "broken", "--timeout", "2"])
        #expect(up.status != 0)
        #expect(up.stdout.contains("broken: 1 requested, 0/1 registered, 0/1 healthy"), "progress: \(up.stdout)")
        #expect(up.stderr.contains("timed out after 2 s with 0/1 node(s) healthy"), "\(up.stderr)")
        let down = try await navarch(["down", "broken", "--server", serve.server])
        #expect(down.status == 0, "\(down.stderr)")
    }

    @Test func portAlreadyInUse() async throws {
        let serve = try ServeProcess()
        defer { serve.cleanUp() }
        try await serve.start()
        let data = serve.dataDirectory + "-second"
        try await expectFailure(
            ["serve", "--data-dir", data, "--grpc-port", "\(serve.grpcPort)", "--http-port", "\(try freePort())"],
            saying: "is another `navarch serve` running?")
        let second = try await navarch(["serve", "--data-dir", data + "2", "--grpc-port", "\(serve.grpcPort)", "--http-port", "\(try freePort())"])
        #expect(second.stderr.contains("Error: cannot listen"), "\(second.stderr)")
        #expect(second.stderr.contains("\(serve.grpcPort)"), "names the port: \(second.stderr)")
    }

    @Test func unknownNodeOnARunningControlPlane() async throws {
        let serve = try ServeProcess()
        defer { serve.cleanUp() }
        try await serve.start()
        try await expectFailure(["nodes", "get", "nope", "--server", serve.server], saying: "node nope not found")
        try await expectFailure(["cordon", "nope", "--server", serve.server], saying: "node nope not found")
        try await expectFailure(["down", "nope", "--server", serve.server], saying: "pool nope not found")
        try await expectFailure(["nodes", "history", "nope", "--server", serve.server], saying: "node nope not found")
        try await expectFailure(["uncordon", "nope", "--force", "--server", serve.server], saying: "node nope not found")
        try await expectFailure(["breaker", "reset", "nope", "--server", serve.server], saying: "no pool nope")
        try await expectFailure(["pools", "report-queue", "nope", "--depth", "2", "--server", serve.server], saying: "pool nope not found")
        let inverted = try await navarch(["pools", "create", "bounded", "--type", "h100", "--min", "3", "--max", "2", "--server", serve.server])
        #expect(inverted.status != 0 && inverted.stderr.contains("--min 3 is more than --max 2"), "\(inverted.stderr)")
        let created = try await navarch(["pools", "create", "bounded", "--type", "h100", "--min", "1", "--max", "2", "--provider", "local", "--label", "team=ml", "--server", serve.server])
        #expect(created.status == 0 && created.stdout.contains("pool bounded created: 1 node(s)"), "\(created.stdout)\(created.stderr)")
        try await expectFailure(["pools", "scale", "bounded", "--nodes", "5", "--server", serve.server], saying: "pool bounded is bounded to 1-2 node(s); 5 is outside")
        let deleted = try await navarch(["pools", "delete", "bounded", "--server", serve.server])
        #expect(deleted.status == 0 && deleted.stdout.contains("pool bounded is being deleted"))
        let reset = try await navarch(["breaker", "reset", "--server", serve.server])
        #expect(reset.status == 0 && reset.stdout.contains("no circuit breaker is open"), "\(reset.stdout)")
        let version = try await navarch(["version", "--server", serve.server])
        #expect(version.stdout.contains("control plane at \(serve.server): 0.1.0"))
        let health = try await navarch(["status", "--server", serve.server, "-o", "json"])
        #expect(health.status == 0 && health.stdout.contains("\"pools\" : ["))
    }
}
