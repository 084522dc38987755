import Foundation
import NavarchCloudFakes
import NavarchCore
import Testing
import Yams

@testable import NavarchControlPlane

/// The cloud-init user data: valid `#cloud-config`, and a script that really installs the
/// agent, run here under a scratch root against a real HTTP server.
struct AgentBootstrapTests {
    static let binary = Array("#!/bin/sh\necho pretend navarch-node\n".utf8) + (0..<4096).map { UInt8($0 % 251) }

    func bootstrap(url: String, sha256: String) -> AgentBootstrap {
        AgentBootstrap(
            agentURL: url, agentSHA256: sha256, controlPlaneAddress: "10.1.2.3:50051", nodeID: "train-0",
            instanceID: "i-0123456789abcdef", pool: "train", joinToken: "nvj1.i-0123456789abcdef.1900000000.abc",
            agentArguments: ["--backend", "nvml", "--expect-gpus", "8"])
    }

    static func sha256(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "navarch-sha-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try AgentDownload.sha256(ofFile: path)
    }

    /// Extracts the script from the user data as cloud-init would, and runs it with sh.
    /// Waits without blocking a thread: the fake server answering the script needs them.
    func runScript(userData: String, root: String) async throws -> (status: Int32, output: String) {
        let document = try #require(try Yams.load(yaml: userData) as? [String: Any])
        let files = try #require(document["write_files"] as? [[String: Any]])
        let script = try #require(files.first { $0["path"] as? String == AgentBootstrap.scriptPath }?["content"] as? String)
        let scriptPath = root + "-bootstrap.sh"
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [scriptPath]
        process.environment = ProcessInfo.processInfo.environment.merging(["NAVARCH_ROOT": root]) { _, new in new }
        let logPath = root + "-bootstrap.log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        try log.close()
        return (process.terminationStatus, (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
    }

    @Test func theUserDataIsCloudConfigThatRunsTheInstaller() throws {
        let userData = bootstrap(url: "http://10.1.2.3:8080/v1/agent/navarch-node", sha256: String(repeating: "a", count: 64)).userData()
        #expect(userData.hasPrefix("#cloud-config\n"))
        let document = try #require(try Yams.load(yaml: userData) as? [String: Any])
        let files = try #require(document["write_files"] as? [[String: Any]])
        #expect(files.count == 1)
        #expect(files[0]["path"] as? String == "/var/lib/navarch/bootstrap.sh")
        #expect(files[0]["permissions"] as? String == "0700")
        #expect((files[0]["content"] as? String)?.hasPrefix("#!/bin/sh\n") == true)
        let runcmd = try #require(document["runcmd"] as? [[String]])
        #expect(runcmd == [["sh", "/var/lib/navarch/bootstrap.sh"]])
    }

    @Test func theScriptInstallsTheCheckedBinaryTheUnitAndTheToken() async throws {
        let server = try await FakeHTTPServer.start { request in
            request.path == "/v1/agent/navarch-node" ? FakeHTTPResponse(status: 200, body: Self.binary) : .text(404, "no")
        }
        defer { Task { await server.stop() } }
        let root = NSTemporaryDirectory() + "navarch-root-\(UUID().uuidString)"
        let plan = bootstrap(url: server.baseURL + "/v1/agent/navarch-node", sha256: try Self.sha256(Self.binary))
        let (status, output) = try await runScript(userData: plan.userData(), root: root)
        #expect(status == 0, "\(output)")
        #expect(output.contains("navarch: node agent installed"))

        let installed = root + AgentBootstrap.binaryPath
        #expect(FileManager.default.contents(atPath: installed) == Data(Self.binary))
        #expect(FileManager.default.isExecutableFile(atPath: installed))
        let unit = try String(contentsOfFile: root + AgentBootstrap.unitPath, encoding: .utf8)
        #expect(unit.contains(
            "ExecStart=/usr/local/bin/navarch-node --control-plane 10.1.2.3:50051 --node-id train-0 --instance-id i-0123456789abcdef --pool train --join-token-file /etc/navarch/join-token --credential-file /var/lib/navarch/credential --insecure --backend nvml --expect-gpus 8"))
        #expect(unit.contains("Restart=always"))
        #expect(unit.contains("WantedBy=multi-user.target"))
        let token = try String(contentsOfFile: root + AgentBootstrap.tokenPath, encoding: .utf8)
        #expect(token == "nvj1.i-0123456789abcdef.1900000000.abc\n")
        let mode = try FileManager.default.attributesOfItem(atPath: root + AgentBootstrap.tokenPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(server.requests.count == 1)
    }

    @Test func aBinaryWithTheWrongChecksumIsNotInstalled() async throws {
        let server = try await FakeHTTPServer.start { _ in FakeHTTPResponse(status: 200, body: Self.binary) }
        defer { Task { await server.stop() } }
        let root = NSTemporaryDirectory() + "navarch-root-\(UUID().uuidString)"
        let plan = bootstrap(url: server.baseURL + "/v1/agent/navarch-node", sha256: String(repeating: "0", count: 64))
        let (status, output) = try await runScript(userData: plan.userData(), root: root)
        #expect(status != 0)
        #expect(output.contains("does not have SHA-256 \(String(repeating: "0", count: 64)); not installing it"))
        #expect(!FileManager.default.fileExists(atPath: root + AgentBootstrap.binaryPath))
        #expect(!FileManager.default.fileExists(atPath: root + AgentBootstrap.unitPath))
    }

    @Test func valuesAreQuotedForTheShellAndForSystemd() {
        #expect(AgentBootstrap.shellQuoted("it's") == #"'it'\''s'"#)
        #expect(AgentBootstrap.systemdQuoted("plain-value_1.2:3") == "plain-value_1.2:3")
        #expect(AgentBootstrap.systemdQuoted("a b$c%d") == #""a b$$c%%d""#)
    }
}

struct JoinTokenIssuerTests {
    let now = Date(timeIntervalSince1970: 1_900_000_000)

    @Test func aTokenIsGoodForItsInstanceUntilItExpires() throws {
        let issuer = JoinTokenIssuer(key: .init(size: .bits256), lifetime: .seconds(3600))
        let token = issuer.issue(instanceID: "i-1", now: now)
        try issuer.verify(token, instanceID: "i-1", now: now.addingTimeInterval(3599))
        #expect(throws: NavarchError(.unauthenticated, "the join token was issued to instance i-1, not i-2")) {
            try issuer.verify(token, instanceID: "i-2", now: now)
        }
        #expect(throws: NavarchError(.unauthenticated, "the join token of instance i-1 expired at 2030-03-17T18:46:40.000Z")) {
            try issuer.verify(token, instanceID: "i-1", now: now.addingTimeInterval(3600))
        }
        let tampered = token.replacingOccurrences(of: ".\(Int(now.timeIntervalSince1970) + 3600).", with: ".\(Int(now.timeIntervalSince1970) + 99999).")
        #expect(throws: NavarchError(.unauthenticated, "the join token of instance i-1 was not issued by this control plane")) {
            try issuer.verify(tampered, instanceID: "i-1", now: now)
        }
        #expect(throws: NavarchError.self) { try issuer.verify("", instanceID: "i-1", now: now) }
        #expect(throws: NavarchError.self) { try issuer.verify("garbage", instanceID: "i-1", now: now) }
        let other = JoinTokenIssuer(key: .init(size: .bits256), lifetime: .seconds(3600))
        #expect(throws: NavarchError.self) { try other.verify(token, instanceID: "i-1", now: now) }
    }

    @Test func theKeyIsKeptPrivateAndReusedAcrossRestarts() throws {
        let path = NSTemporaryDirectory() + "navarch-jt-\(UUID().uuidString)/join-token.key"
        let first = try JoinTokenIssuer(keyFile: path, lifetime: .seconds(600))
        let token = first.issue(instanceID: "i-9", now: now)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let second = try JoinTokenIssuer(keyFile: path, lifetime: .seconds(600))
        try second.verify(token, instanceID: "i-9", now: now)
        try Data("short".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: NavarchError.self) { try JoinTokenIssuer(keyFile: path, lifetime: .seconds(600)) }
    }
}
