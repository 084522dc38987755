import Foundation
import NavarchCore
import NavarchProcess
#if canImport(Glibc)
import Glibc
#endif

/// Runs a helper program to completion (a Python script of the SDK or moto tests) without
/// blocking a thread of the cooperative pool: the child is spawned with no inherited
/// descriptors, its output goes to a file, and its exit is polled. Two blocking waits at once
/// would stall a two-core machine's whole pool, and every in-process fake with it.
enum ChildScript {
    /// Exit status and output (stdout and stderr together) of `arguments`.
    static func run(_ arguments: [String], environment: [String: String]? = nil, timeout: Duration) async throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("navarch-child-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let pid = try await ProcessSpawner.spawn(arguments, stdout: log, stderr: log, environment: environment)
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                _ = waitpid(pid, nil, 0)
                throw FakeServerError("\(arguments.prefix(2).joined(separator: " ")) did not finish in \(timeout): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return ((status >> 8) & 0xFF, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }
}
