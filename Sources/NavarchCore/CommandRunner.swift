import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs command-line tools (the agent's `nvidia-smi`, `dcgmi`, `nvbandwidth`,
/// `all_reduce_perf`, `gpu_burn`) and collects their output. The wait happens on a thread of its
/// own, never on the cooperative pool. A tool that is not installed is `nil`, not an error.
public struct CommandRunner: Sendable {
    /// The outcome of one run.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var timedOut: Bool
    }

    /// Directories searched for tools, in order.
    public var searchPath: [String]

    public init(searchPath: [String]? = nil) {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        self.searchPath = searchPath ?? path.split(separator: ":").map(String.init)
    }

    /// The full path of `tool`, or nil when it is not installed.
    public func locate(_ tool: String) -> String? {
        if tool.contains("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        for directory in searchPath {
            let candidate = directory + "/" + tool
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `tool` with `arguments`; nil when the tool is not installed.
    public func run(_ tool: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws -> Output? {
        guard let executable = locate(tool) else { return nil }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("navarch-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stdoutPath = directory.appendingPathComponent("stdout").path
        let stderrPath = directory.appendingPathComponent("stderr").path
        let pid = try ProcessSpawner.spawn([executable] + arguments, stdout: stdoutPath, stderr: stderrPath)
        let seconds = timeout.timeInterval
        let (status, timedOut) = await withCheckedContinuation { (continuation: CheckedContinuation<(Int32, Bool), Never>) in
            let thread = Thread {
                let deadline = Date().addingTimeInterval(seconds)
                var status: Int32 = 0
                var timedOut = false
                while true {
                    let result = waitpid(pid, &status, WNOHANG)
                    if result == pid || (result < 0 && errno != EINTR) { break }
                    if Date() >= deadline && !timedOut {
                        timedOut = true
                        kill(pid, SIGKILL)
                    }
                    usleep(2_000)
                }
                let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                continuation.resume(returning: (exitCode, timedOut))
            }
            thread.start()
        }
        let stdout = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        return Output(status: status, stdout: stdout, stderr: stderr, timedOut: timedOut)
    }
}
