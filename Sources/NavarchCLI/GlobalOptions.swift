import ArgumentParser
import Foundation
import NavarchClient
import NavarchCore

/// How output is written: a table, a wider table where the data is a list, or the same data as
/// JSON or YAML.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case wide
    case json
    case yaml

    /// JSON or YAML: the data itself rather than a table.
    var isStructured: Bool { self == .json || self == .yaml }
}

/// Options every command that talks to the control plane takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Control plane gRPC address, host:port (env NAVARCH_SERVER).")
    var server = ProcessInfo.processInfo.environment["NAVARCH_SERVER"] ?? "127.0.0.1:50051"

    @Option(name: [.customShort("o"), .long], help: "Output format: table, wide, json or yaml.")
    var output: OutputFormat = .table

    func validate() throws {
        do { _ = try NavarchClient.parse(server) } catch { throw ValidationError("\(error)") }
    }

    /// Connects to the control plane and runs `body`.
    func withClient<T: Sendable>(_ body: (NavarchClient) async throws -> T) async throws -> T {
        try await NavarchClient.with(server: server, body)
    }
}

extension NodeState: ExpressibleByArgument {}
extension HealthStatus: ExpressibleByArgument {}
