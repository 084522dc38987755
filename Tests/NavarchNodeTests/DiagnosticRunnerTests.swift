import Foundation
import NavarchCore
import NavarchProcess
import NavarchHealth
@testable import NavarchNode
import Testing

/// Diagnostics run real executables: stand-ins for dcgmi, nvbandwidth and all_reduce_perf that
/// print recorded outputs of the real tools (NavarchHealthTests/Fixtures/gpu-tools).
@Suite struct DiagnosticRunnerTests {
    let gpus = SimulatedGPUBackend(count: 8, model: "NVIDIA H100 80GB HBM3", memoryMiB: 81_559, idlePowerWatts: 70, seed: "diag").gpus

    /// A directory holding `tool`, a script that prints `fixture` and exits with `status`.
    func tools(_ scripts: [(tool: String, fixture: String, status: Int32)]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tools-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("NavarchHealthTests/Fixtures/gpu-tools").path
        for script in scripts {
            let path = directory + "/" + script.tool
            try "#!/bin/sh\necho \"$0 $*\" >> \(directory)/calls\ncat '\(fixtures)/\(script.fixture)'\nexit \(script.status)\n".write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o755)
        }
        return directory
    }

    @Test func dcgmFailureNamesTheTestAndGPU() async throws {
        let directory = try tools([("dcgmi", "gb10-dcgm-4.2.3-fail.json", 226)])
        let outcomes = await DiagnosticRunner(runner: CommandRunner(searchPath: [directory])).run(suite: "dcgm", level: 2, gpus: gpus)
        let failure = try #require(outcomes.first { $0.status == .fail })
        #expect(failure.name == "dcgm_diag.software" && failure.gpuIndex == 0 && failure.message.contains("Persistence mode"))
        #expect(try String(contentsOfFile: directory + "/calls", encoding: .utf8).contains("diag -r 2 -j"))
    }

    @Test func dcgmPass() async throws {
        let directory = try tools([("dcgmi", "virtualclient-t4-r1.json", 0)])
        let outcomes = await DiagnosticRunner(runner: CommandRunner(searchPath: [directory])).run(suite: "dcgm", level: 1, gpus: gpus)
        #expect(outcomes.count == 9 && outcomes.allSatisfy { $0.status == .pass })
    }

    @Test func missingToolsAreSkippedNotFailed() async {
        let runner = DiagnosticRunner(runner: CommandRunner(searchPath: ["/nonexistent"]))
        for suite in ["dcgm", "nvbandwidth", "nccl"] {
            let outcomes = await runner.run(suite: suite, level: 3, gpus: gpus)
            #expect(!outcomes.isEmpty && outcomes.allSatisfy { $0.status == .skip && $0.message.hasSuffix("is not installed") }, "\(suite): \(outcomes)")
        }
    }

    @Test func fabricBandwidthIsComparedWithTheModelsFigures() async throws {
        let directory = try tools([
            ("nvbandwidth", "nvbandwidth-readme-d2d-write-ce-8gpu.txt", 0), ("all_reduce_perf", "a3mega-h100-16rank-all-reduce.txt", 0),
        ])
        let runner = DiagnosticRunner(runner: CommandRunner(searchPath: [directory]))
        let bandwidth = await runner.run(suite: "nvbandwidth", level: 1, gpus: gpus)
        #expect(bandwidth == [CheckOutcome(
            name: "nvbandwidth.device_to_device_memcpy_write_ce", status: .pass,
            message: "min 274.9 GB/s, avg 276.3 GB/s; expected at least 250 GB/s")])
        let nccl = await runner.run(suite: "nccl", level: 1, gpus: gpus)
        #expect(nccl.count == 1 && nccl[0].status == .fail && nccl[0].message.contains("peak bus bandwidth 338.8 GB/s"))
    }

    @Test func unreadableOutputIsAFailureWithTheToolsWords() async throws {
        let directory = try tools([("all_reduce_perf", "gcm-mpirun-not-enough-slots-failure.txt", 1)])
        let outcomes = await DiagnosticRunner(runner: CommandRunner(searchPath: [directory])).run(suite: "nccl", level: 1, gpus: gpus)
        #expect(outcomes.count == 1 && outcomes[0].status == .fail && outcomes[0].message.contains("exit 1"))
    }

    @Test func bootChecksCompareNvidiaSMIWithTheBackend() async throws {
        let directory = try tools([("nvidia-smi", "superbench-a100x8-via-gpu-burn.txt", 0)])
        let checks = BootChecks(expectedGPUCount: 8, expectedModel: "H100", runner: CommandRunner(searchPath: [directory]))
        let outcomes = await checks.run(backend: SimulatedGPUBackend(count: 8, model: "NVIDIA H100 80GB HBM3", memoryMiB: 1, idlePowerWatts: 1, seed: "x"), gpus: gpus)
        #expect(outcomes.first { $0.name == "gpu_count" }?.status == .pass)
        #expect(outcomes.first { $0.name == "gpu_model" }?.status == .pass)
        #expect(outcomes.first { $0.name == "nvidia_smi" }?.status == .fail, "the recorded list is another machine's GPUs")
        #expect(outcomes.first { $0.name == "cuda_memory" }?.status == .skip)
        let wrong = await BootChecks(expectedGPUCount: 4, expectedModel: "B200", runner: CommandRunner(searchPath: [])).run(
            backend: SimulatedGPUBackend(count: 8, model: "x", memoryMiB: 1, idlePowerWatts: 1, seed: "x"), gpus: gpus)
        #expect(wrong.first { $0.name == "gpu_count" }?.message == "8 GPU(s) found, 4 expected")
        #expect(wrong.first { $0.name == "gpu_model" }?.status == .fail)
        #expect(wrong.first { $0.name == "nvidia_smi" }?.status == .skip)
    }
}
