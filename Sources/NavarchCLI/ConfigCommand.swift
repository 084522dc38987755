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

    @OptionGroup var credentials: CredentialsLocation

    func run() async throws {
        let store = credentials.store
        let stored: [StoredCredential]
        do { stored = try store.all() } catch let error as ProviderConfigurationError { throw ValidationError(error.description) }
        print("credentials: \(store.directory)")
        if stored.isEmpty {
            print("  none stored; see `navarch config set-credentials --help`")
            return
        }
        for credential in stored {
            print("  \(credential.provider):")
            for (name, value) in credential.masked { print("    \(name): \(value)") }
        }
    }
}
