import ArgumentParser
import Foundation
import MCP
import NavarchClient
import NavarchControlPlane
import NavarchMCP

/// `navarch mcp`: Navarch's MCP tools over stdio, for an AI agent's MCP client to start.
/// Standard output carries only the protocol; the control plane is reached over gRPC.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve Navarch's MCP tools and resources over stdio, for AI agents (see docs/mcp.md).")

    @Option(help: "Control plane gRPC address, host:port (env NAVARCH_SERVER).")
    var server = ProcessInfo.processInfo.environment["NAVARCH_SERVER"] ?? "127.0.0.1:50051"

    func validate() throws {
        do { _ = try NavarchClient.parse(server) } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        let mcp = try await NavarchMCPServer.start(on: StdioTransport(), tools: NavarchTools(server: server), version: ControlPlane.version)
        await mcp.waitUntilCompleted()
    }
}
