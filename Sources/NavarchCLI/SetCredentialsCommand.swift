import ArgumentParser
import Foundation
import NavarchProviders

/// `navarch config set-credentials PROVIDER ...`: checks and stores one provider's credentials.
struct SetCredentialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-credentials",
        abstract: "Store a cloud's credentials (mode 0600 under ~/.config/navarch).",
        discussion: """
            navarch config set-credentials aws --profile P
            navarch config set-credentials gcp --project P --key-file key.json
            navarch config set-credentials azure --tenant T --client-id C --client-secret-file F --subscription S
            navarch config set-credentials lambda --api-key-file F
            """)

    @Argument(help: "aws, gcp, azure or lambda.")
    var provider: String

    @Option(help: "aws: the profile of ~/.aws/credentials to use.")
    var profile: String?

    @Option(help: "gcp: the project machines are created in.")
    var project: String?

    @Option(name: .customLong("key-file"), help: "gcp: the service-account key file (JSON).")
    var keyFile: String?

    @Option(help: "azure: the Entra ID tenant.")
    var tenant: String?

    @Option(name: .customLong("client-id"), help: "azure: the application (client) id.")
    var clientID: String?

    @Option(name: .customLong("client-secret-file"), help: "azure: a file holding the client secret.")
    var clientSecretFile: String?

    @Option(help: "azure: the subscription machines are created in.")
    var subscription: String?

    @Option(name: .customLong("api-key-file"), help: "lambda: a file holding the Lambda Cloud API key.")
    var apiKeyFile: String?

    @OptionGroup var credentials: CredentialsLocation

    func run() async throws {
        let credential: StoredCredential
        do { credential = try build() } catch let error as ProviderConfigurationError { throw ValidationError(error.description) }
        let store = credentials.store
        try store.save(credential)
        print("stored \(provider) credentials in \(store.directory)/\(provider).json (mode 0600)")
    }

    func build() throws -> StoredCredential {
        let environment = ProcessInfo.processInfo.environment
        func need(_ value: String?, _ flag: String) throws -> String {
            guard let value, !value.isEmpty else { throw ProviderConfigurationError(provider: provider, "\(flag) is required") }
            return value
        }
        func secret(fromFile path: String, _ what: String) throws -> String {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ProviderConfigurationError(provider: provider, "cannot read the \(what) file \(path)")
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw ProviderConfigurationError(provider: provider, "the \(what) file \(path) is empty") }
            return value
        }
        switch provider {
        case "aws":
            let profile = try need(profile, "--profile")
            _ = try AWSCredentialProvider.profileCredentials(profile, environment: environment)
            return StoredCredential(provider: "aws", fields: ["profile": profile])
        case "gcp":
            let project = try need(project, "--project")
            let path = try need(keyFile, "--key-file")
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ProviderConfigurationError(provider: "gcp", "cannot read the key file \(path)")
            }
            let key = try GCPServiceAccountKey(json: data)
            return StoredCredential(
                provider: "gcp", fields: ["project": project, "client_email": key.clientEmail],
                secrets: ["service_account_key": String(decoding: data, as: UTF8.self)])
        case "azure":
            let tenant = try need(tenant, "--tenant")
            let client = try need(clientID, "--client-id")
            let subscription = try need(subscription, "--subscription")
            let secretValue = try secret(fromFile: try need(clientSecretFile, "--client-secret-file"), "client secret")
            return StoredCredential(
                provider: "azure", fields: ["tenant_id": tenant, "client_id": client, "subscription_id": subscription],
                secrets: ["client_secret": secretValue])
        case "lambda":
            let key = try secret(fromFile: try need(apiKeyFile, "--api-key-file"), "API key")
            return StoredCredential(provider: "lambda", secrets: ["api_key": key])
        default:
            throw ProviderConfigurationError(provider: provider, "unknown provider; expected one of \(CredentialStore.providers.joined(separator: ", "))")
        }
    }
}
