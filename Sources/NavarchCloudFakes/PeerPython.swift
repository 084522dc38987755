import Foundation

/// A Python with the real peers that tests talk to, named by an environment variable that
/// `scripts/test.sh` sets: the clouds' official SDKs (`google-cloud-compute`,
/// `azure-mgmt-compute`), pointed at the fakes, or the clients a user would bring (`grpcio`).
public struct PeerPython: Sendable {
    /// The environment variable naming the Python executable.
    public var variable: String
    /// What that Python has installed, for the reason a test cannot run.
    public var provides: String

    /// The official GCP and Azure SDKs (`NAVARCH_SDK_PYTHON`).
    public static let cloudSDKs = PeerPython(variable: "NAVARCH_SDK_PYTHON", provides: "the cloud SDKs")
    /// Clients of Navarch's own APIs: `grpcio`, `grpcio-tools`, `schemathesis` and the MCP SDK (`NAVARCH_CLIENT_PYTHON`).
    public static let clients = PeerPython(variable: "NAVARCH_CLIENT_PYTHON", provides: "grpcio, grpcio-tools, schemathesis and mcp")

    /// Why this Python cannot be run here, or nil when it can.
    public var unavailableReason: String? {
        guard let python = ProcessInfo.processInfo.environment[variable], !python.isEmpty else {
            return "\(variable) is not set (scripts/test.sh installs \(provides) and sets it)"
        }
        guard FileManager.default.isExecutableFile(atPath: python) else { return "\(variable)=\(python) is not executable" }
        return nil
    }

    /// Runs `script` with `arguments` and returns its exit status and output (stdout and stderr
    /// together). Waits without blocking a thread, so in-process servers keep answering.
    /// Runs `script` with `arguments`; `environment` is added to this process's.
    public func run(
        _ script: String, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)
    ) async throws -> (status: Int32, output: String) {
        let python = ProcessInfo.processInfo.environment[variable] ?? "python3"
        let merged = environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        return try await ChildScript.run([python, script] + arguments, environment: merged, timeout: timeout)
    }
}
