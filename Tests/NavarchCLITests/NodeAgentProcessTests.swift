import Foundation
import NavarchProviders
import NavarchTesting
import Testing

/// The real agent executable on its own.
@Suite struct NodeAgentProcessTests {
    @Test func agentWithoutAControlPlaneKeepsRetryingAndExitsCleanlyOnSIGTERM() async throws {
        try Binaries.require()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString).log").path
        let agent = try await ChildProcess.spawn(
            Binaries.directory + "/navarch-node", ["--control-plane", "127.0.0.1:\(try freePort())", "--node-id", "lonely", "--gpus", "2"],
            stdout: log, stderr: log)
        try await eventually("the agent retries registration", timeout: .seconds(20)) {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("cannot register; retrying")
        }
        #expect(agent.exitStatus() == nil, "still running")
        kill(agent.pid, SIGTERM)
        let status = try await agent.wait(timeout: .seconds(30))
        #expect(status == 0, "log: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    @Test func agentRejectsBadFlags() async throws {
        try Binaries.require()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString).log").path
        let agent = try await ChildProcess.spawn(Binaries.directory + "/navarch-node", ["--control-plane", "nowhere", "--backend", "cuda"], stdout: log, stderr: log)
        #expect(try await agent.wait(timeout: .seconds(30)) != 0)
        #expect(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("unknown GPU backend 'cuda'"))
    }
}
