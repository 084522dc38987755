import Foundation
import NavarchProcess
import Testing

@Suite struct CommandRunnerTests {
    @Test func collectsOutputAndTheExitCode() async throws {
        let output = try #require(try await CommandRunner().run("sh", ["-c", "echo out; echo err >&2; exit 3"]))
        #expect(output.status == 3 && output.stdout == "out\n" && output.stderr == "err\n" && !output.timedOut)
    }

    @Test func aRunPastItsTimeoutIsKilled() async throws {
        let output = try #require(try await CommandRunner().run("sleep", ["30"], timeout: .milliseconds(200)))
        #expect(output.timedOut)
        #expect(output.status == 128 + SIGKILL)
    }

    @Test func aMissingToolIsNilNotAnError() async throws {
        #expect(try await CommandRunner().run("navarch-no-such-tool", []) == nil)
    }

    /// A script written a moment ago starts (busy executables are tried again, without
    /// holding a thread), and many runs at once do not stall each other.
    @Test func freshlyWrittenScriptsRunConcurrently() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("navarch-runner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let statuses = try await withThrowingTaskGroup(of: Int32.self) { group in
            for index in 0..<16 {
                let script = directory.appendingPathComponent("tool-\(index)").path
                try "#!/bin/sh\nexit \(index)\n".write(toFile: script, atomically: true, encoding: .utf8)
                chmod(script, 0o755)
                group.addTask { try await CommandRunner().run(script, [])?.status ?? -1 }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.sorted() == (0..<16).map(Int32.init))
    }
}
