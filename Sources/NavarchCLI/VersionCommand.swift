import ArgumentParser
import NavarchClient

/// `navarch version`: this CLI's version and, when reachable, the control plane's.
struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version of the CLI and the control plane.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let server = try? await global.connection.withClient(timeout: .seconds(2)) { try await $0.serverInfo() }
        if global.output.isStructured {
            print(try Output.render(global.output, ["cli": NavarchVersion.current, "controlPlane": server?.version ?? ""]))
        } else {
            print("navarch \(NavarchVersion.current)")
            print("control plane at \(global.server): \(server.map { $0.version } ?? "not reachable")")
        }
    }
}
