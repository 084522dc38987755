import ArgumentParser
import Foundation
import NavarchControlPlane
import NavarchCore
#if canImport(Glibc)
import Glibc
#endif

/// `navarch ssh NODE [-- command]`: the system `ssh` to a node, with the address the node
/// reported and the user and key of its provider's configuration.
struct SshCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh", abstract: "Open an SSH session on a node, or run a command there.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The node.")
    var node: String

    @Option(name: [.customShort("i"), .long], help: "Private key (default: providers.<provider>.ssh_key of --config).")
    var identity: String?

    @Option(help: "Login user (default: providers.<provider>.ssh_user of --config, else ubuntu).")
    var user: String?

    @Option(help: "navarch.yaml to read the provider's ssh_user and ssh_key from.")
    var config: String?

    @Argument(parsing: .postTerminator, help: "Command to run on the node instead of a shell.")
    var command: [String] = []

    func run() async throws {
        let found = try await global.withClient { try await $0.node(node) }
        let address = found.labels["public-address"].flatMap { $0.isEmpty ? nil : $0 } ?? found.labels["address"] ?? ""
        guard !address.isEmpty else {
            throw ValidationError("node \(node) has reported no address; is its agent older than this CLI, or not registered yet?")
        }
        var settings: [String: ProviderSetting] = [:]
        if let config {
            do { settings = try ConfigurationFile.load(path: config).providerSettings[found.provider] ?? [:] } catch let error as ConfigurationError {
                throw ValidationError(error.description)
            }
        }
        func setting(_ name: String) -> String? {
            if case .string(let value)? = settings[name]?.value, !value.isEmpty { return value }
            return nil
        }
        guard let key = identity ?? setting("ssh_key") else {
            throw ValidationError(
                "no SSH key for node \(node) (provider \(found.provider.isEmpty ? "unknown" : found.provider)): pass -i KEY, or --config with providers.\(found.provider).ssh_key")
        }
        guard FileManager.default.isReadableFile(atPath: key) else { throw ValidationError("SSH key \(key) cannot be read") }
        let login = user ?? setting("ssh_user") ?? "ubuntu"
        let arguments = ["ssh", "-i", key, "-o", "StrictHostKeyChecking=accept-new", "\(login)@\(address)"] + (command.isEmpty ? [] : ["--"] + command)
        Output.flush()
        let argv = arguments.map { strdup($0) } + [nil]
        execvp("ssh", argv)
        throw ValidationError("cannot run ssh: \(String(cString: strerror(errno)))")
    }
}
