import ArgumentParser
import Foundation

/// Runs a root command the way people expect of an infrastructure tool: help and version on
/// stdout; any error as one line `Error: ...` on stderr with a non-zero exit code (no usage
/// dump after a mistyped flag).
public enum CommandEntry {
    public static func main(_ root: any ParsableCommand.Type, arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        do {
            var command = try root.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch {
            let code = root.exitCode(for: error)
            if code == .success {
                let text = root.fullMessage(for: error)
                if !text.isEmpty { print(text) }
                exit(0)
            }
            let message = root.message(for: error).trimmingCharacters(in: .whitespacesAndNewlines)
            // An ExitCode thrown on purpose has said what it had to.
            if !message.isEmpty {
                FileHandle.standardError.write(Data("Error: \(message.replacingOccurrences(of: "\n", with: " "))\n".utf8))
            }
            exit(code.rawValue)
        }
    }
}
