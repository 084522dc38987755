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

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let tools = NavarchTools(server: connection.server, security: try connection.security())
        let mcp = try await NavarchMCPServer.start(on: StdioTransport(), tools: tools, version: ControlPlane.version)
        await mcp.waitUntilCompleted()
    }
}
