import Foundation
import NavarchCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `scripts/gpu-smoke.sh` end to end where no GPU exists: NVML is the test-only libnvidia-ml and
/// `nvidia-smi` a stand-in that answers what NVIDIA's tool would for those GPUs. The script must
/// find them equal, and must catch a disagreement.
@Suite(.serialized, .timeLimit(.minutes(2))) struct GPUSmokeScriptTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A stand-in `nvidia-smi` for the fake library's 8 GPUs; `temperatureOffset` makes it disagree.
    func fakeNvidiaSMI(temperatureOffset: Int = 0) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smi-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = """
            #!/bin/sh
            buses="18 2A 3A 5D 9A AB BA DB"
            i=0
            for bus in $buses; do
              uuid=$(printf 'GPU-0000fa4e-%04x-4000-8000-%012x' $i $((0xabcdef + i)))
              case "$*" in
                *-L*) echo "GPU $i: NVIDIA H100 80GB HBM3 (UUID: $uuid)" ;;
                *--query-gpu=index\\ *|*--query-gpu=index) echo "$i" ;;
                *--query-gpu=*) printf '%s, %s, NVIDIA H100 80GB HBM3, 00000000:%s:00.0, 165432100%04d, 81559, %d, 700.00, Enabled, No, No, No, 570.172.08\\n' $i $uuid $bus $i $((31 + i + \(temperatureOffset))) ;;
              esac
              i=$((i + 1))
            done
            """
        try script.write(toFile: directory + "/nvidia-smi", atomically: true, encoding: .utf8)
        chmod(directory + "/nvidia-smi", 0o755)
        return directory
    }

    func runSmoke(smiDirectory: String) async throws -> CommandResult {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("smoke-\(UUID().uuidString)").path
        let path = smiDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let child = try await ChildProcess.spawn(
            "/usr/bin/env",
            [
                "PATH=\(path)", "NAVARCH_NVML_LIBRARY=\(Binaries.directory)/libnvidia-ml.so", "NAVARCH_CUDA_LIBRARY=\(Binaries.directory)/libcuda.so",
                "bash", Self.root + "/scripts/gpu-smoke.sh", Binaries.directory,
            ],
            stdout: base + ".out", stderr: base + ".err")
        let status = try await child.wait(timeout: .seconds(90))
        return CommandResult(
            status: status, stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
    }

    @Test func agreeingReadingsPass() async throws {
        try Binaries.require()
        let result = try await runSmoke(smiDirectory: try fakeNvidiaSMI())
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("OK: navarch and nvidia-smi agree and the node is healthy"))
        #expect(result.stdout.contains("GPU 7"))
    }

    @Test func aDisagreementFails() async throws {
        try Binaries.require()
        let result = try await runSmoke(smiDirectory: try fakeNvidiaSMI(temperatureOffset: 20))
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("GPU 0 temperature.gpu C: navarch 31, nvidia-smi 51.0"), "\(result.stdout)")
    }
}
