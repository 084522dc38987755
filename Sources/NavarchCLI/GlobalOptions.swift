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
    @OptionGroup var connection: ConnectionOptions

    @Option(name: [.customShort("o"), .long], help: "Output format: table, wide, json or yaml.")
    var output: OutputFormat = .table

    /// The control plane's gRPC address.
    var server: String { connection.server }

    /// Connects to the control plane and runs `body`.
    func withClient<T: Sendable>(_ body: (NavarchClient) async throws -> T) async throws -> T {
        try await connection.withClient(body)
    }
}

extension NodeState: ExpressibleByArgument {}
extension HealthStatus: ExpressibleByArgument {}
