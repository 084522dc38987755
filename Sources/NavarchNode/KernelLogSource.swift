import Foundation
import NavarchCore
import NavarchProcess

/// Picks how the agent reads the kernel log: `/dev/kmsg` directly; where it cannot be read,
/// `journalctl -k -f` or `dmesg -W` (their output goes to a private file the agent follows);
/// any other path is a file followed like `tail -F` (the simulated kernel log).
public enum KernelLogSource {
    /// The lines to parse and a description for the logs; nil stream when no source works.
    /// `kmsg` names the kernel's record device (tests point it elsewhere).
    public static func open(
        path: String, runner: CommandRunner, kmsg: String = "/dev/kmsg"
    ) -> (lines: AsyncStream<String>?, description: String) {
        guard path == kmsg || path == "/dev/kmsg" else {
            return (KernelLogTailer(path: path).lines(), "following \(path)")
        }
        if KmsgReader.canRead(path) { return (KmsgReader(path: path).lines(), "reading \(path)") }
        let reason = "\(path) cannot be read (\(String(cString: strerror(errno))))"
        for (tool, arguments) in [("journalctl", ["-k", "-f", "-n", "0", "-o", "short-iso"]), ("dmesg", ["-W"])] {
            guard let executable = runner.locate(tool) else { continue }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("navarch-kernel-log-\(getpid()).log").path
            FileManager.default.createFile(atPath: file, contents: nil)
            guard let pid = try? ProcessSpawner.spawnNow([executable] + arguments, stdout: file, stderr: "/dev/null") else { continue }
            // The file is new and the tool's own: read it from the start, so that nothing written
            // before the tail begins is lost.
            let tailed = KernelLogTailer(path: file, fromStart: true).lines()
            let lines = AsyncStream<String> { continuation in
                let task = Task {
                    for await line in tailed { continuation.yield(line) }
                    continuation.finish()
                }
                continuation.onTermination = { _ in
                    task.cancel()
                    kill(pid, SIGTERM)
                    var status: Int32 = 0
                    waitpid(pid, &status, 0)
                    try? FileManager.default.removeItem(atPath: file)
                }
            }
            return (lines, "\(reason); following `\(tool) \(arguments.joined(separator: " "))` instead")
        }
        return (nil, "\(reason), and neither journalctl nor dmesg is installed: XIDs come from NVML events only")
    }
}
