import ArgumentParser
import NavarchNode

/// `navarch`: the command-line interface.
public struct NavarchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "navarch",
        abstract: "Provision GPU machines, watch their health, and replace the bad ones.",
        version: NavarchVersion.current,
        subcommands: [
            ServeCommand.self, UpCommand.self, DownCommand.self, StatusCommand.self, NodesCommand.self,
            CordonCommand.self, DrainCommand.self, UncordonCommand.self, EventsCommand.self, HealthCommand.self,
            DiagCommand.self, ConfigCommand.self, CatalogCommand.self, SshCommand.self, PoolsCommand.self, BreakerCommand.self,
            VersionCommand.self, SimulateCommand.self, MCPCommand.self, CompletionCommand.self, TokenCommand.self,
            NodeAgentCommand.self,
        ])

    public init() {}
}

/// The version of this build.
public enum NavarchVersion {
    public static let current = "0.1.0"
}
