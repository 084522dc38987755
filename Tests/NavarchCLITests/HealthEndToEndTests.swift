import Foundation
import NavarchClient
import NavarchCore
import NavarchTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Real processes: `navarch serve` with a health section in its config, `navarch-node` agents on
/// the NVML backend (the test-only libnvidia-ml built with the package), and the CLI.
@Suite(.serialized, .timeLimit(.minutes(2))) struct HealthEndToEndTests {
    func agent(_ id: String, server: String, environment: [String] = [], extra: [String] = []) async throws -> (ChildProcess, String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(id)-\(UUID().uuidString).log").path
        // Enrolled by hand, as an admin would: the admin token until the node has its credential.
        let token = ServeProcess.clientEnvironment(server)["NAVARCH_TOKEN"] ?? ""
        let child = try await ChildProcess.spawn(
            "/usr/bin/env",
            environment + ["NAVARCH_TOKEN=\(token)"] + [
                Binaries.directory + "/navarch-node", "--control-plane", server, "--node-id", id, "--backend", "nvml", "--insecure",
                "--nvml-library", Binaries.directory + "/libnvidia-ml.so", "--cuda-library", Binaries.directory + "/libcuda.so",
                // A repair that climbs to a reboot must not reboot the machine running the tests.
                "--reboot-command", "true",
            ] + extra,
            stdout: log, stderr: log)
        return (child, log)
    }

    @Test func policyFromTheConfigReachesAgentsAndTheCLI() async throws {
        try Binaries.require()
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("navarch-\(UUID().uuidString).yaml").path
        try "health:\n  ignore_xids: [79]\n".write(toFile: config, atomically: true, encoding: .utf8)
        let serve = try ServeProcess()
        defer { serve.cleanUp() }
        try await serve.start(extraArguments: ["--config", config])

        let explained = try await navarch(["health", "explain-xid", "79", "--server", serve.server])
        #expect(explained.status == 0 && explained.stdout.contains("ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS"))
        #expect(explained.stdout.contains("ignored (ignore_xids)"), "\(explained.stdout)")
        let builtin = try await navarch(["health", "explain-xid", "48", "--builtin"])
        #expect(builtin.stdout.contains("first occurrence -> unhealthy, reset_gpu (rule xid-reset-gpu)"), "\(builtin.stdout)")
        let shown = try await navarch(["health", "policy", "show", "--server", serve.server, "-o", "yaml"])
        #expect(shown.status == 0 && shown.stdout.contains("ignore_xids: [79]"))

        // An agent whose NVML answers "driver not loaded" stays up and is reported unhealthy with the reason.
        let (broken, brokenLog) = try await agent("gpu-nodriver", server: serve.server, environment: ["NAVARCH_FAKE_NVML_INIT_RESULT=9"], extra: ["--kernel-log", "none"])
        defer { kill(broken.pid, SIGKILL); _ = broken.exitStatus() }
        try await NavarchClient.with(server: serve.server, security: serve.security) { client in
            try await eventually("the driverless node registers unhealthy", timeout: .seconds(20)) {
                guard let node = try? await client.node("gpu-nodriver") else { return false }
                return node.health == .unhealthy && node.healthReason.contains("Driver Not Loaded")
            }
        }
        #expect(broken.exitStatus() == nil, "the agent keeps running")
        #expect(try String(contentsOfFile: brokenLog, encoding: .utf8).contains("GPUs unavailable"))

        // A working agent judges XIDs with the control plane's policy: 79 is ignored, 48 is not.
        let kmsg = FileManager.default.temporaryDirectory.appendingPathComponent("kmsg-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: kmsg, contents: nil)
        let (good, goodLog) = try await agent("gpu-1", server: serve.server, extra: ["--kernel-log", kmsg, "--expect-gpus", "8", "--expect-gpu-model", "H100"])
        defer { kill(good.pid, SIGKILL); _ = good.exitStatus() }
        try await NavarchClient.with(server: serve.server, security: serve.security) { client in
            try await eventually("gpu-1 registers healthy with its NVML readings", timeout: .seconds(20)) {
                guard let node = try? await client.node("gpu-1") else { return false }
                return node.health == .healthy && node.gpus.count == 8 && node.labels["nvidia.driver_version"] == "570.172.08"
            }
            let node = try await client.node("gpu-1")
            #expect(node.gpus[0].serial == "1654321000000" && node.gpus[0].metrics["ecc_enabled"] == 1)

            let diag = try await navarch(["diag", "run", "gpu-1", "--level", "1", "--server", serve.server])
            #expect(diag.status == 0 && diag.stdout.contains("diagnostic dcgm level 1 started on gpu-1"), "\(diag.stderr)")
            try await eventually("the diagnostic (dcgmi not installed: skipped) returns gpu-1 to service", timeout: .seconds(20)) {
                let events = try await client.events(nodeID: "gpu-1")
                let passed = events.contains { $0.kind == "diagnostic.passed" && $0.message.contains("dcgmi is not installed") }
                let state = try await client.node("gpu-1").state
                return passed && state == .active
            }

            let handle = try #require(FileHandle(forWritingAtPath: kmsg))
            handle.seekToEndOfFile()
            handle.write(Data("[100.1] NVRM: Xid (PCI:0000:18:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.\n".utf8))
            try await eventually("XID 79 is reported as ignored", timeout: .seconds(10)) {
                try await client.events(nodeID: "gpu-1").contains { $0.kind == "node.observation" && $0.attributes["rule"] == "ignore_xids" }
            }
            #expect(try await client.node("gpu-1").health == .healthy)
            handle.write(Data("[101.2] NVRM: Xid (PCI:0000:2a:00): 48, pid='<unknown>', name=<unknown>, An uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer at partition 6, subpartition 0.\n".utf8))
            try handle.close()
            try await eventually("XID 48 makes gpu-1 unhealthy by rule xid-reset-gpu and asks for a GPU reset", timeout: .seconds(10)) {
                let events = try await client.events(nodeID: "gpu-1")
                let judged = events.contains { $0.kind == "node.health_changed" && $0.attributes["to"] == "unhealthy" && $0.message.contains("rule xid-reset-gpu") }
                let reset = events.contains { $0.kind == "remediation.reset_gpu" && $0.attributes["gpu"] == "1" }
                return judged && reset
            }
            // No nvidia-smi here: the reset fails, and the ladder climbs to a reboot instead of
            // putting the node back.
            try await eventually("the failed reset climbs the ladder", timeout: .seconds(15)) {
                try await client.events(nodeID: "gpu-1").contains { $0.kind == "remediation.validation_failed" && $0.message.contains("nvidia-smi is not installed") }
            }
            #expect(try await client.node("gpu-1").state != .active)
        }
        #expect(try String(contentsOfFile: goodLog, encoding: .utf8).contains("kernel log"))
        #expect(try await serve.stop() == 0)
    }

    /// The boot check's GPU memory round trip runs in a child of the agent (the agent re-runs
    /// itself with --cuda-memory-check); a GPU whose memory corrupts makes the node unhealthy.
    @Test func corruptGPUMemoryAtBootMakesTheNodeUnhealthy() async throws {
        try Binaries.require()
        let serve = try ServeProcess()
        defer { serve.cleanUp() }
        try await serve.start()
        let (agent, log) = try await agent("gpu-badmem", server: serve.server, environment: ["NAVARCH_FAKE_CUDA_CORRUPT_DEVICE=3"], extra: ["--kernel-log", "none"])
        defer { kill(agent.pid, SIGKILL); _ = agent.exitStatus() }
        try await NavarchClient.with(server: serve.server, security: serve.security) { client in
            try await eventually("the node is unhealthy because of GPU 3's memory", timeout: .seconds(30)) {
                guard let node = try? await client.node("gpu-badmem") else { return false }
                return node.health == .unhealthy && node.healthReason.contains("cuda_memory") && node.gpus[3].health == .unhealthy
            }
            let reason = try await client.node("gpu-badmem").healthReason
            #expect(reason.contains("GPU 3: wrote 16 MiB, byte 4096 came back"), "\(reason)\n\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }
        #expect(try await serve.stop() == 0)
    }
}
