import Foundation
import Logging
import NavarchControlPlane
import NavarchCore
import NavarchProviders

/// Builds the cloud providers navarch.yaml configures (`providers.aws`, ...) with their
/// credentials, and checks them before the control plane starts: a missing or malformed
/// credential is an error naming the provider now, not at the first `up`.
enum ProviderAssembly {
    static func cloudProviders(
        configuration: ControlPlaneConfiguration, credentials: CredentialStore, environment: [String: String],
        calls: ProviderCallLog
    ) async throws -> [any Provider] {
        var providers: [any Provider] = []
        for (name, settings) in configuration.providerSettings.sorted(by: { $0.key < $1.key }) {
            // A section of another name is another instance of its `cloud` (another region).
            switch string(settings, "cloud") ?? name {
            case "aws": providers.append(try await aws(name, settings, credentials: credentials, environment: environment, calls: calls))
            case "lambda": providers.append(try lambda(name, settings, credentials: credentials, environment: environment, calls: calls))
            case "gcp": providers.append(try await gcp(name, settings, credentials: credentials, environment: environment, calls: calls))
            case "azure": providers.append(try await azure(name, settings, credentials: credentials, environment: environment, calls: calls))
            default: throw ProviderConfigurationError(provider: name, "this provider is not supported by this build")
            }
        }
        return providers
    }

    static func string(_ settings: [String: ProviderSetting], _ name: String) -> String? {
        if case .string(let value)? = settings[name]?.value, !value.isEmpty { return value }
        return nil
    }

    static func list(_ settings: [String: ProviderSetting], _ name: String) -> [String] {
        if case .list(let values)? = settings[name]?.value { return values }
        return string(settings, name).map { [$0] } ?? []
    }

    /// Mints a token now, so that a credential the cloud refuses stops `serve`; a cloud that
    /// cannot be reached now is logged and tried again at the first call.
    static func checkCredentials(provider: String, _ check: () async throws -> Void) async throws {
        do {
            try await check()
        } catch let error as CloudAPIError where error.kind == .authentication {
            throw ProviderConfigurationError(provider: provider, "the credentials were refused: \(error.code.isEmpty ? "" : error.code + ": ")\(error.message)")
        } catch {
            Logger(label: "navarch.provider.\(provider)").warning("could not check the credentials now; will retry at the first call", metadata: ["error": "\(error)"])
        }
    }

    static func integer(_ settings: [String: ProviderSetting], provider: String, _ name: String) throws -> Int? {
        guard let text = string(settings, name) else { return nil }
        guard let value = Int(text), value > 0 else {
            throw ProviderConfigurationError(provider: provider, "providers.\(provider).\(name): expected a whole number above 0, got '\(text)'")
        }
        return value
    }

    static func gcp(
        _ name: String, _ settings: [String: ProviderSetting], credentials: CredentialStore, environment: [String: String], calls: ProviderCallLog
    ) async throws -> ComputeEngineProvider {
        let stored = try credentials.load(provider: "gcp")
        func key(_ data: Data?, _ origin: String) throws -> GCPServiceAccountKey {
            guard let data else { throw ProviderConfigurationError(provider: "gcp", "cannot read the service-account key \(origin)") }
            do { return try GCPServiceAccountKey(json: data) } catch {
                throw ProviderConfigurationError(provider: "gcp", "\(origin): \(error.problem)")
            }
        }
        let source: GCPCredentialSource
        var keyProject: String?
        if let file = string(settings, "key_file") {
            let parsed = try key(FileManager.default.contents(atPath: file), "providers.gcp.key_file \(file)")
            (source, keyProject) = (.serviceAccount(parsed), parsed.projectID)
        } else if let file = environment["GOOGLE_APPLICATION_CREDENTIALS"], !file.isEmpty {
            let parsed = try key(FileManager.default.contents(atPath: file), "GOOGLE_APPLICATION_CREDENTIALS=\(file)")
            (source, keyProject) = (.serviceAccount(parsed), parsed.projectID)
        } else if let json = stored?.secrets["service_account_key"] {
            let parsed = try key(Data(json.utf8), "the stored service-account key")
            (source, keyProject) = (.serviceAccount(parsed), parsed.projectID)
        } else if string(settings, "use_metadata_server") == "true" {
            source = .metadataServer
        } else {
            throw ProviderConfigurationError(
                provider: "gcp",
                "no credentials: run `navarch config set-credentials gcp --project P --key-file F`, set GOOGLE_APPLICATION_CREDENTIALS, or set providers.gcp.key_file or providers.gcp.use_metadata_server: true")
        }
        var gcp = GCPSettings()
        gcp.project = string(settings, "project") ?? stored?.fields["project"] ?? keyProject ?? ""
        gcp.zones = list(settings, "zones")
        if let endpoint = string(settings, "endpoint") { gcp.endpoint = endpoint }
        gcp.tokenEndpoint = string(settings, "token_endpoint")
        if let metadata = string(settings, "metadata_endpoint") { gcp.metadataEndpoint = metadata }
        gcp.image = string(settings, "image") ?? ""
        if let size = try integer(settings, provider: "gcp", "boot_disk_gb") { gcp.bootDiskGB = size }
        gcp.network = string(settings, "network")
        gcp.subnetwork = string(settings, "subnetwork")
        gcp.externalIP = string(settings, "external_ip") != "false"
        gcp.serviceAccount = string(settings, "service_account")
        if let user = string(settings, "ssh_user") { gcp.sshUser = user }
        gcp.placementPolicy = string(settings, "placement_policy")
        gcp.spot = string(settings, "spot") == "true"
        let provider = try ComputeEngineProvider(name: name, settings: gcp, credentials: source, calls: calls, logger: Logger(label: "navarch.provider.gcp"))
        try await checkCredentials(provider: "gcp") { try await provider.checkCredentials() }
        return provider
    }

    static func azure(
        _ name: String, _ settings: [String: ProviderSetting], credentials: CredentialStore, environment: [String: String], calls: ProviderCallLog
    ) async throws -> AzureVirtualMachineProvider {
        let stored = try credentials.load(provider: "azure")
        func value(_ key: String, _ variable: String) -> String {
            string(settings, key) ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 } ?? stored?.fields[key] ?? ""
        }
        let secret: String
        if let file = string(settings, "client_secret_file") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ProviderConfigurationError(provider: "azure", "providers.azure.client_secret_file \(file) cannot be read or is empty")
            }
            secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else if let value = environment["AZURE_CLIENT_SECRET"], !value.isEmpty {
            secret = value
        } else if let value = stored?.secrets["client_secret"] {
            secret = value
        } else {
            throw ProviderConfigurationError(
                provider: "azure",
                "no client secret: run `navarch config set-credentials azure --tenant T --client-id C --client-secret-file F --subscription S`, set AZURE_CLIENT_SECRET, or set providers.azure.client_secret_file")
        }
        var azure = AzureSettings()
        azure.subscriptionID = value("subscription_id", "AZURE_SUBSCRIPTION_ID")
        azure.tenantID = value("tenant_id", "AZURE_TENANT_ID")
        azure.clientID = value("client_id", "AZURE_CLIENT_ID")
        azure.resourceGroup = string(settings, "resource_group") ?? ""
        azure.location = string(settings, "location") ?? ""
        azure.zones = list(settings, "zones")
        if let endpoint = string(settings, "endpoint") { azure.endpoint = endpoint }
        if let authority = string(settings, "authority") { azure.authority = authority }
        if let scope = string(settings, "scope") { azure.scope = scope }
        azure.image = string(settings, "image") ?? ""
        azure.subnetID = string(settings, "subnet_id") ?? ""
        if let user = string(settings, "ssh_user") { azure.sshUser = user }
        if let file = string(settings, "ssh_public_key") {
            guard let key = try? String(contentsOfFile: file, encoding: .utf8), !key.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ProviderConfigurationError(provider: "azure", "providers.azure.ssh_public_key \(file) cannot be read or is empty")
            }
            azure.sshPublicKey = key.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        azure.proximityPlacementGroup = string(settings, "proximity_placement_group")
        azure.spot = string(settings, "spot") == "true"
        if let price = string(settings, "spot_max_price") {
            guard let value = Double(price), value == -1 || value > 0 else {
                throw ProviderConfigurationError(provider: "azure", "providers.azure.spot_max_price: expected -1 or a price above 0, got '\(price)'")
            }
            azure.spotMaxPrice = value
        }
        if let size = try integer(settings, provider: "azure", "os_disk_gb") { azure.osDiskGB = size }
        let provider = try AzureVirtualMachineProvider(name: name, settings: azure, clientSecret: secret, calls: calls, logger: Logger(label: "navarch.provider.azure"))
        try await checkCredentials(provider: "azure") { try await provider.checkCredentials() }
        return provider
    }

    static func lambda(
        _ name: String, _ settings: [String: ProviderSetting], credentials: CredentialStore, environment: [String: String], calls: ProviderCallLog
    ) throws -> LambdaProvider {
        let key: String
        if let file = string(settings, "api_key_file") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ProviderConfigurationError(provider: "lambda", "providers.lambda.api_key_file \(file) cannot be read or is empty")
            }
            key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else if let value = environment["LAMBDA_API_KEY"], !value.isEmpty {
            key = value
        } else if let stored = try credentials.load(provider: "lambda"), let value = stored.secrets["api_key"] {
            key = value
        } else {
            throw ProviderConfigurationError(
                provider: "lambda", "no API key: run `navarch config set-credentials lambda --api-key-file F`, set LAMBDA_API_KEY, or set providers.lambda.api_key_file")
        }
        var lambda = LambdaSettings()
        if let endpoint = string(settings, "endpoint") { lambda.endpoint = endpoint }
        lambda.regions = list(settings, "regions")
        lambda.sshKeyName = string(settings, "ssh_key_name") ?? ""
        return try LambdaProvider(name: name, settings: lambda, apiKey: key, calls: calls, logger: Logger(label: "navarch.provider.lambda"))
    }

    static func aws(
        _ name: String, _ settings: [String: ProviderSetting], credentials: CredentialStore, environment: [String: String], calls: ProviderCallLog
    ) async throws -> EC2Provider {
        let source: AWSCredentialSource
        var profileName: String?
        if let profile = string(settings, "profile") {
            source = .profile(profile)
            profileName = profile
        } else if string(settings, "instance_role") == "true" {
            source = .instanceRole
        } else if environment["AWS_ACCESS_KEY_ID"]?.isEmpty == false {
            source = .environment
        } else if let stored = try credentials.load(provider: "aws"), let profile = stored.fields["profile"] {
            source = .profile(profile)
            profileName = profile
        } else {
            throw ProviderConfigurationError(
                provider: "aws",
                "no credentials: run `navarch config set-credentials aws --profile P`, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or set providers.aws.profile or providers.aws.instance_role: true")
        }
        var ec2 = EC2Settings()
        ec2.region = string(settings, "region") ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"]
            ?? profileName.flatMap { AWSCredentialProvider.profileRegion($0, environment: environment) } ?? "us-east-1"
        ec2.endpoint = string(settings, "endpoint")
        if let metadata = string(settings, "metadata_endpoint") { ec2.metadataEndpoint = metadata }
        ec2.imageID = string(settings, "image_id") ?? ""
        ec2.subnetIDs = list(settings, "subnet_ids")
        ec2.securityGroupIDs = list(settings, "security_group_ids")
        ec2.keyName = string(settings, "key_name")
        if let user = string(settings, "ssh_user") { ec2.sshUser = user }
        ec2.instanceProfile = string(settings, "instance_profile")
        ec2.placementGroup = string(settings, "placement_group")
        ec2.spot = string(settings, "spot") == "true"
        let credentialProvider = AWSCredentialProvider(
            source: source, environment: environment, metadataEndpoint: ec2.metadataEndpoint, calls: calls,
            logger: Logger(label: "navarch.provider.aws"))
        // Resolve now, so that a bad profile or an unreachable metadata service stops `serve`.
        _ = try await credentialProvider.credentials()
        return try EC2Provider(name: name, settings: ec2, credentials: credentialProvider, calls: calls, logger: Logger(label: "navarch.provider.aws"))
    }
}
