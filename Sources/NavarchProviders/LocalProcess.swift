import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starting, probing and stopping agent processes with POSIX calls. The agents are started in
/// their own session so that they outlive the control plane, like machines in a cloud do.
enum LocalProcess {
    /// Starts `arguments[0]` detached, with stdin from /dev/null and stdout/stderr appended to `logPath`.
    static func spawn(_ arguments: [String], logPath: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        #if os(Linux)
        // POSIX_SPAWN_SETSID: a session of its own, so a Ctrl-C on `navarch serve` does not reach it.
        posix_spawnattr_setflags(&attributes, Int16(0x80 | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        #endif

        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        var result = posix_spawn(&pid, arguments[0], &actions, &attributes, cArguments, environ)
        // ETXTBSY: another thread's fork briefly holds the executable open for writing (just installed).
        var attempts = 0
        while result == ETXTBSY && attempts < 50 {
            attempts += 1
            usleep(10_000)
            result = posix_spawn(&pid, arguments[0], &actions, &attributes, cArguments, environ)
        }
        guard result == 0 else {
            throw LocalProviderError("cannot start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Whether `pid` is a live (not zombie) process whose command line mentions `marker`.
    /// Reaps it first when it is our exited child.
    static func isAlive(_ pid: Int32, marker: String) -> Bool {
        guard pid > 0 else { return false }
        var status: Int32 = 0
        let waited = waitpid(pid, &status, WNOHANG)
        if waited == pid { return false }
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
            if state == "Z" || state == "X" {
                // A zombie whose other threads are still exiting is not waitable yet; this wait
                // returns as soon as they are gone (at once with ECHILD when it is not our child).
                _ = waitpid(pid, &status, 0)
                return false
            }
        }
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return true }
        let commandLine = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        return commandLine.contains(marker)
    }

    /// Sends `signal` to `pid`.
    static func signal(_ pid: Int32, _ signal: Int32) {
        _ = kill(pid, signal)
    }
}
