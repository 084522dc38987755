import Foundation
import NavarchCore
import Testing
import Yams

/// `-o yaml` and `-o wide` beside table and json, and the shell completion scripts.
@Suite(.serialized) struct OutputFormatTests {
    @Test(.timeLimit(.minutes(3)))
    func listsComeAsYAMLAndAsWideTables() async throws {
        let serve = try ServeProcess()
        defer { serve.cleanUp() }
        try await serve.start(extraArguments: ["--heartbeat-interval", "1h"])
        try await LargeFleetTests.register(on: serve, count: 3)

        let yaml = try await navarch(["nodes", "list", "--server", serve.server, "-o", "yaml"])
        #expect(yaml.status == 0, "\(yaml.stderr)")
        let nodes = try #require(try Yams.load(yaml: yaml.stdout) as? [[String: Any]], "\(yaml.stdout)")
        #expect(nodes.compactMap { $0["id"] as? String } == ["big-0", "big-1", "big-2"])
        let json = try await navarch(["nodes", "list", "--server", serve.server, "-o", "json"])
        let fromJSON = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(fromJSON.count == nodes.count && (fromJSON.first?["pool"] as? String) == (nodes.first?["pool"] as? String))

        let wide = try await navarch(["nodes", "list", "--server", serve.server, "-o", "wide"])
        let header = try #require(wide.stdout.split(separator: "\n").first)
        #expect(header.contains("HEALTHY GPUS") && header.contains("INSTANCE") && header.contains("AGENT"), "\(wide.stdout)")
        #expect(wide.stdout.contains("test"), "the agent version column: \(wide.stdout)")
        let narrow = try await navarch(["nodes", "list", "--server", serve.server])
        #expect(!(narrow.stdout.split(separator: "\n").first ?? "").contains("AGENT"))

        let status = try await navarch(["status", "--server", serve.server, "-o", "yaml"])
        let report = try #require(try Yams.load(yaml: status.stdout) as? [String: Any], "\(status.stdout)")
        #expect((report["nodes"] as? [Any])?.count == 3)
        _ = try await serve.stop()
    }

    @Test func completionScriptsForEachShell() async throws {
        try Binaries.require()
        let bash = try await navarch(["completion", "bash"])
        #expect(bash.status == 0 && bash.stdout.contains("complete -o filenames -F") && bash.stdout.contains("navarch"), "\(bash.stdout.prefix(300))")
        #expect(bash.stdout.contains("status") && bash.stdout.contains("mcp"))
        let zsh = try await navarch(["completion", "zsh"])
        #expect(zsh.status == 0 && zsh.stdout.hasPrefix("#compdef navarch"), "\(zsh.stdout.prefix(100))")
        let fish = try await navarch(["completion", "fish"])
        #expect(fish.status == 0 && fish.stdout.contains("complete -c 'navarch'"), "\(fish.stdout.prefix(300))")
    }
}
