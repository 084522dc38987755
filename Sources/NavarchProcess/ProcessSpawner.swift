import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Starts processes with posix_spawn: stdin from /dev/null, stdout and stderr appended to
/// files, default signal handling, and no inherited descriptors (a child holding the
/// parent's listening sockets would keep its ports bound after the parent died).
public enum ProcessSpawner {
    /// Starts `arguments[0]` with `arguments`; `newSession` detaches it from the caller's terminal.
    /// `environment`: the child's whole environment; nil inherits this process's. An executable
    /// that was just written may be busy for a moment (another thread's fork still holds it
    /// open): the start is tried again, waiting without holding a thread.
    public static func spawn(
        _ arguments: [String], stdout: String, stderr: String, newSession: Bool = false, environment: [String: String]? = nil
    ) async throws -> pid_t {
        var attempts = 0
        while true {
            do {
                return try spawnNow(arguments, stdout: stdout, stderr: stderr, newSession: newSession, environment: environment)
            } catch let error as NavarchSpawnError where error.code == ETXTBSY && attempts < 100 {
                attempts += 1
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    /// Starts the process at once, or throws (``NavarchSpawnError/code`` is ETXTBSY for an
    /// executable still being written); for callers that cannot wait, starting installed tools.
    public static func spawnNow(
        _ arguments: [String], stdout: String, stderr: String, newSession: Bool = false, environment: [String: String]? = nil
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if stderr == stdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        let closedAll = closeInheritedDescriptors(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // 0x80 is POSIX_SPAWN_SETSID, which the C headers hide behind _GNU_SOURCE.
        let flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | (newSession ? 0x80 : 0)
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        if !closedAll { markOpenDescriptorsCloseOnExec() }
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        let cEnvironment: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for entry in cEnvironment ?? [] { free(entry) } }
        var environmentBuffer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        if let cEnvironment {
            environmentBuffer = .allocate(capacity: cEnvironment.count)
            environmentBuffer!.initialize(from: cEnvironment, count: cEnvironment.count)
        }
        defer { environmentBuffer?.deallocate() }
        let envp = environmentBuffer ?? environ
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, cArguments, envp)
        guard result == 0 else {
            throw NavarchSpawnError(code: result, description: "cannot start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        return pid
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc 2.34+ closes every descriptor from 3 up in the child; found at run time since
    /// the Swift overlay does not import it.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) -> Bool {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return false }
        let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
        return closeFrom(&actions, 3) == 0
    }

    /// Fallback for older C libraries: mark the parent's descriptors close-on-exec.
    private static func markOpenDescriptorsCloseOnExec() {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in entries.compactMap(Int32.init) where fd > 2 {
            let current = fcntl(fd, F_GETFD)
            if current >= 0 { _ = fcntl(fd, F_SETFD, current | FD_CLOEXEC) }
        }
    }
}

/// A process could not be started.
public struct NavarchSpawnError: Error, Sendable, CustomStringConvertible {
    /// The `errno` value posix_spawn answered.
    public let code: Int32
    public let description: String
}
