import Foundation
import NavarchCore
import NavarchProviders
import Testing

/// The local provider against real processes: a stand-in agent script that sleeps.
@Suite struct LocalProviderTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("navarch-local-\(UUID().uuidString)").path

    func makeAgent(trapsTerm: Bool = false) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/fake-agent"
        // No exec: the shell keeps the agent's command line, which the provider checks.
        let body = (trapsTerm ? "trap '' TERM\n" : "") + "while true; do sleep 0.1; done\n"
        try ("#!/bin/sh\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    func request(_ id: String) throws -> ProvisionRequest {
        ProvisionRequest(instanceID: id, nodeID: "demo-0", pool: "demo", instanceType: try InstanceTypeCatalog.named("h100"), controlPlaneAddress: "127.0.0.1:1")
    }

    static func pid(_ machine: ProvisionedInstance) -> Int32 { Int32(machine.providerInstanceID.dropFirst(4)) ?? -1 }

    static func processExists(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
    }

    @Test func provisionIsIdempotentListFindsItAndTerminateLeavesNoProcess() async throws {
        let provider = try LocalProvider(stateDirectory: directory + "/state", nodeBinary: NodeBinary(path: try makeAgent()))
        let machine = try await provider.provision(try request("i-abc"))
        #expect(Self.processExists(Self.pid(machine)))
        let again = try await provider.provision(try request("i-abc"))
        #expect(again.providerInstanceID == machine.providerInstanceID, "a retry must not start a second agent")
        #expect(FileManager.default.fileExists(atPath: provider.kmsgPath(of: "i-abc")))

        let restarted = try LocalProvider(stateDirectory: directory + "/state", nodeBinary: NodeBinary(path: try makeAgent()))
        let listed = try await restarted.list()
        #expect(listed.map(\.instanceID) == ["i-abc"])
        #expect(listed.first?.isAlive == true)

        try await restarted.terminate(machine)
        #expect(!Self.processExists(Self.pid(machine)))
        #expect(try await provider.list().isEmpty)
        try await provider.terminate(machine)  // terminating a gone instance succeeds
    }

    @Test func agentIgnoringSIGTERMIsKilled() async throws {
        let provider = try LocalProvider(
            stateDirectory: directory + "/state", nodeBinary: NodeBinary(path: try makeAgent(trapsTerm: true)), terminationGrace: .milliseconds(300))
        let machine = try await provider.provision(try request("i-stubborn"))
        try await Task.sleep(for: .milliseconds(100))
        try await provider.terminate(machine)
        #expect(!Self.processExists(Self.pid(machine)))
    }

    @Test func deadAgentIsListedAsNotAlive() async throws {
        let provider = try LocalProvider(stateDirectory: directory + "/state", nodeBinary: NodeBinary(path: try makeAgent()))
        let machine = try await provider.provision(try request("i-dies"))
        kill(Self.pid(machine), SIGKILL)
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await provider.list().first?.isAlive == false)
    }

    @Test func unsafeInstanceIDIsRejected() async throws {
        let provider = try LocalProvider(stateDirectory: directory + "/state", nodeBinary: NodeBinary(path: try makeAgent()))
        await #expect(throws: LocalProviderError.self) { try await provider.provision(try request("../escape")) }
    }

    @Test func locatesTheAgent() throws {
        let bin = directory + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let cli = bin + "/navarch"
        try "#!/bin/sh\n".write(toFile: cli, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: cli)
        #expect(try NodeBinary.locate(explicit: nil, executable: cli) == NodeBinary(path: cli, leadingArguments: ["node"]))
        let agent = bin + "/navarch-node"
        try "#!/bin/sh\n".write(toFile: agent, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: agent)
        #expect(try NodeBinary.locate(explicit: nil, executable: cli) == NodeBinary(path: agent))
        #expect(throws: LocalProviderError.self) { try NodeBinary.locate(explicit: bin + "/missing", executable: cli) }
        #expect(throws: LocalProviderError.self) { try NodeBinary.locate(explicit: nil, executable: directory + "/elsewhere/tool") }
    }
}
