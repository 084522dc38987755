import Foundation

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
        return try await ChildScript.run([python, script] + arguments, timeout: timeout)
    }
}
