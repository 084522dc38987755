import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs command-line tools (the agent's `nvidia-smi`, `dcgmi`, `nvbandwidth`,
/// `all_reduce_perf`, `gpu_burn`, `scontrol`) and collects their output. The wait happens on a
/// thread of its own, never on the cooperative pool. A tool that is not installed is `nil`, not an error.
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

    /// Runs `tool` with `arguments`; nil when the tool is not installed. A run past `timeout`
    /// is killed (`timedOut`). The exit is awaited by a blocking wait on a thread of its own, the
    /// timeout by a task sleeping on the monotonic clock: nothing polls, nothing reads the wall clock.
    public func run(_ tool: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws -> Output? {
        guard let executable = locate(tool) else { return nil }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("navarch-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stdoutPath = directory.appendingPathComponent("stdout").path
        let stderrPath = directory.appendingPathComponent("stderr").path
        let pid = try await ProcessSpawner.spawn([executable] + arguments, stdout: stdoutPath, stderr: stderrPath)
        let child = Child(pid: pid)
        let killer = Task {
            try await Task.sleep(for: timeout)
            child.kill()
        }
        let status = await child.exit()
        killer.cancel()
        let stdout = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        return Output(status: status, stdout: stdout, stderr: stderr, timedOut: child.wasKilled)
    }
}

/// A started child: its exit is awaited on a dedicated thread, and it can be killed until it has
/// exited (a zombie keeps its pid until it is reaped, so a late kill never hits another process).
private final class Child: Sendable {
    private struct State {
        var exited = false
        var killed = false
    }

    let pid: pid_t
    private let state = Mutex(State())

    init(pid: pid_t) { self.pid = pid }

    var wasKilled: Bool { state.withLock { $0.killed } }

    func kill() {
        state.withLock { state in
            guard !state.exited else { return }
            state.killed = true
            _ = Glibc.kill(pid, SIGKILL)
        }
    }

    /// The exit code (128 + the signal for a killed child), once it has exited; it is reaped then.
    func exit() async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let thread = Thread { [self] in
                var info = siginfo_t()
                // Wait for the exit without reaping, so that `kill` cannot race a reused pid.
                while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
                state.withLock { $0.exited = true }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                continuation.resume(returning: exitCode)
            }
            thread.start()
        }
    }
}
