import ArgumentParser
import NavarchProviders

/// `--credentials-dir`, shared by the commands that read or write cloud credentials.
struct CredentialsLocation: ParsableArguments {
    @Option(name: .customLong("credentials-dir"), help: "Where cloud credentials are kept (default ~/.config/navarch/credentials).")
    var credentialsDir: String?

    /// The store at `--credentials-dir`, or the default one.
    var store: CredentialStore { CredentialStore(directory: credentialsDir ?? CredentialStore.defaultDirectory()) }
}
