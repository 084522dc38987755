import ArgumentParser
import Foundation
import NavarchProviders

/// `navarch config`: provider credentials.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Store and show cloud credentials.",
        subcommands: [SetCredentialsCommand.self, ConfigShowCommand.self])
}

/// `navarch config show`: the stored credentials, secrets masked.
struct ConfigShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the stored credentials, secrets masked.")

    @Option(name: .customLong("credentials-dir"), help: "Where credentials are kept (default ~/.config/navarch/credentials).")
    var credentialsDir: String?

    func run() async throws {
        let store = CredentialStore(directory: credentialsDir ?? CredentialStore.defaultDirectory())
        let credentials: [StoredCredential]
        do { credentials = try store.all() } catch let error as ProviderConfigurationError { throw ValidationError(error.description) }
        print("credentials: \(store.directory)")
        if credentials.isEmpty {
            print("  none stored; see `navarch config set-credentials --help`")
            return
        }
        for credential in credentials {
            print("  \(credential.provider):")
            for (name, value) in credential.masked { print("    \(name): \(value)") }
        }
    }
}
