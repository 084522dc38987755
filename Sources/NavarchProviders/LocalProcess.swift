import Foundation
import NavarchCore
import NavarchProcess
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
    /// Starts `arguments[0]` detached (its own session, so a Ctrl-C on `navarch serve` does not
    /// reach it), with stdin from /dev/null and stdout/stderr appended to `logPath`.
    /// One attempt, under the provider's lock: an executable still being written fails the
    /// provision, which the control plane asks for again.
    static func spawn(_ arguments: [String], logPath: String) throws -> Int32 {
        do {
            return try ProcessSpawner.spawnNow(arguments, stdout: logPath, stderr: logPath, newSession: true)
        } catch {
            throw LocalProviderError("\(error)")
        }
    }

    /// Whether `pid` is a live (not zombie) process whose command line mentions `marker` (or our
    /// own child not yet reaped).
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
        // A child of this process that has not been reaped is ours whatever its command line
        // says (it may not have reached exec yet): its pid cannot have been reused.
        if waited == 0 { return true }
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return true }
        let commandLine = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        return commandLine.contains(marker)
    }

    /// Sends `signal` to `pid`.
    static func signal(_ pid: Int32, _ signal: Int32) {
        _ = kill(pid, signal)
    }
}
