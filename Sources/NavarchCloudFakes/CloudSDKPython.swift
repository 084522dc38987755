import Foundation
import NavarchCore
#if canImport(Glibc)
import Glibc
#endif

/// The Python with the clouds' official SDKs (`google-cloud-compute`, `azure-mgmt-compute`),
/// which faithfulness tests point at the fakes. `scripts/test.sh` installs them and sets
/// `NAVARCH_SDK_PYTHON`.
public enum CloudSDKPython {
    /// Why the SDKs cannot be run here, or nil when they can.
    public static var unavailableReason: String? {
        guard let python = ProcessInfo.processInfo.environment["NAVARCH_SDK_PYTHON"], !python.isEmpty else {
            return "NAVARCH_SDK_PYTHON is not set (scripts/test.sh installs the cloud SDKs and sets it)"
        }
        guard FileManager.default.isExecutableFile(atPath: python) else { return "NAVARCH_SDK_PYTHON=\(python) is not executable" }
        return nil
    }

    /// Runs `script` with `arguments` and returns its exit status and output (stdout and stderr
    /// together). Waits without blocking a thread, so in-process fakes keep answering.
    public static func run(_ script: String, _ arguments: [String], timeout: Duration = .seconds(120)) async throws -> (status: Int32, output: String) {
        let python = ProcessInfo.processInfo.environment["NAVARCH_SDK_PYTHON"] ?? "python3"
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("navarch-sdk-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let pid = try ProcessSpawner.spawn([python, script] + arguments, stdout: log, stderr: log)
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                _ = waitpid(pid, nil, 0)
                throw FakeServerError("\(script) did not finish in \(timeout): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return ((status >> 8) & 0xFF, output)
    }
}
