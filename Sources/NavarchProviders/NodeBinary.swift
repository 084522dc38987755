import Foundation

/// How the `local` provider starts a node agent: an executable and the arguments before the
/// agent's own (`navarch-node`, or `navarch node` when only the CLI is built).
public struct NodeBinary: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var leadingArguments: [String]

    public init(path: String, leadingArguments: [String] = []) {
        self.path = path
        self.leadingArguments = leadingArguments
    }

    public var description: String { ([path] + leadingArguments).joined(separator: " ") }

    /// The agent to start: `explicit` when given; else `navarch-node` beside `executable`;
    /// else `navarch node` (the CLI offers the agent as a subcommand).
    public static func locate(explicit: String?, executable: String) throws -> NodeBinary {
        let fileManager = FileManager.default
        if let explicit {
            guard fileManager.isExecutableFile(atPath: explicit) else {
                throw LocalProviderError("node binary \(explicit) does not exist or is not executable")
            }
            let name = (explicit as NSString).lastPathComponent
            return name == "navarch" ? NodeBinary(path: explicit, leadingArguments: ["node"]) : NodeBinary(path: explicit)
        }
        let resolved = (executable as NSString).resolvingSymlinksInPath
        let directory = (resolved as NSString).deletingLastPathComponent
        let agent = directory + "/navarch-node"
        if fileManager.isExecutableFile(atPath: agent) { return NodeBinary(path: agent) }
        if (resolved as NSString).lastPathComponent == "navarch" { return NodeBinary(path: resolved, leadingArguments: ["node"]) }
        let cli = directory + "/navarch"
        if fileManager.isExecutableFile(atPath: cli) { return NodeBinary(path: cli, leadingArguments: ["node"]) }
        throw LocalProviderError(
            "cannot find the node agent: neither navarch-node nor navarch is beside \(resolved); pass --node-binary")
    }
}

/// An error of the `local` provider.
public struct LocalProviderError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
