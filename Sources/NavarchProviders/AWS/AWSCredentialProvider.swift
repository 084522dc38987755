import Foundation
import Logging
import NavarchCore

/// Resolves AWS credentials from their source and keeps them fresh: keys from the environment
/// or a profile are read once; instance-role keys are fetched through IMDSv2 and fetched again
/// five minutes before they expire.
public actor AWSCredentialProvider {
    public nonisolated let source: AWSCredentialSource
    private let environment: [String: String]
    private let metadataEndpoint: String
    private let http: CloudHTTPClient
    private let clock: any NavarchClock
    private var cached: (credentials: AWSCredentials, expires: Date?)?

    /// - Parameters:
    ///   - environment: the process environment (for `AWS_*` variables, `HOME`).
    ///   - metadataEndpoint: the instance metadata service, `http://169.254.169.254` on EC2.
    public init(
        source: AWSCredentialSource, environment: [String: String] = ProcessInfo.processInfo.environment,
        metadataEndpoint: String = "http://169.254.169.254", calls: ProviderCallLog = ProviderCallLog(),
        clock: any NavarchClock = SystemClock(), logger: Logger = Logger(label: "navarch.provider.aws")
    ) {
        self.source = source
        self.environment = environment
        self.metadataEndpoint = metadataEndpoint.hasSuffix("/") ? String(metadataEndpoint.dropLast()) : metadataEndpoint
        self.clock = clock
        self.http = CloudHTTPClient(
            // Retry waits are real time: the injected clock decides only when credentials expire.
            provider: "aws", retry: RetryPolicy(maxAttempts: 3), timeout: .seconds(2), calls: calls, clock: SystemClock(), logger: logger
        ) { operation, response in
            CloudAPIError(
                provider: "aws", operation: operation, kind: response.status >= 500 ? .server : .authentication,
                status: response.status, message: "instance metadata service answered: \(response.text.prefix(200))")
        }
    }

    /// The current credentials; throws ``ProviderConfigurationError`` when there are none.
    public func credentials() async throws -> AWSCredentials {
        if let cached, cached.expires.map({ $0.timeIntervalSince(clock.now) > 300 }) ?? true { return cached.credentials }
        let resolved = try await resolve()
        cached = resolved
        return resolved.credentials
    }

    private func resolve() async throws -> (credentials: AWSCredentials, expires: Date?) {
        switch source {
        case .key(let key):
            return (key, nil)
        case .environment:
            guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty else {
                throw ProviderConfigurationError(provider: "aws", "AWS_ACCESS_KEY_ID is not set")
            }
            guard let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
                throw ProviderConfigurationError(provider: "aws", "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
            }
            return (AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"]), nil)
        case .profile(let name):
            return (try Self.profileCredentials(name, environment: environment), nil)
        case .instanceRole:
            return try await instanceRoleCredentials()
        }
    }

    /// The shared credentials file: `AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`.
    public static func credentialsFilePath(environment: [String: String]) -> String {
        environment["AWS_SHARED_CREDENTIALS_FILE"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.aws/credentials")
    }

    /// The shared config file: `AWS_CONFIG_FILE` or `~/.aws/config`.
    public static func configFilePath(environment: [String: String]) -> String {
        environment["AWS_CONFIG_FILE"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.aws/config")
    }

    /// The key of profile `name`, or an error naming the file and the profiles it has.
    public static func profileCredentials(_ name: String, environment: [String: String]) throws -> AWSCredentials {
        let path = credentialsFilePath(environment: environment)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ProviderConfigurationError(provider: "aws", "profile '\(name)': cannot read \(path)")
        }
        let file = AWSSharedConfigFile(text: text, isConfigFile: false)
        guard let profile = file.profiles[name] else {
            throw ProviderConfigurationError(
                provider: "aws",
                "profile '\(name)' is not in \(path) (profiles there: \(file.profiles.keys.sorted().joined(separator: ", ")))")
        }
        guard let id = profile["aws_access_key_id"], !id.isEmpty else {
            throw ProviderConfigurationError(provider: "aws", "profile '\(name)' in \(path) has no aws_access_key_id")
        }
        guard let secret = profile["aws_secret_access_key"], !secret.isEmpty else {
            throw ProviderConfigurationError(provider: "aws", "profile '\(name)' in \(path) has no aws_secret_access_key")
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: profile["aws_session_token"])
    }

    /// The region profile `name` names in the config file, if any.
    public static func profileRegion(_ name: String, environment: [String: String]) -> String? {
        guard let text = try? String(contentsOfFile: configFilePath(environment: environment), encoding: .utf8) else { return nil }
        return AWSSharedConfigFile(text: text, isConfigFile: true).profiles[name]?["region"]
    }

    private func instanceRoleCredentials() async throws -> (credentials: AWSCredentials, expires: Date?) {
        let tokenResponse = try await http.send(CloudRequest(
            operation: "IMDSv2 token", method: "PUT", url: metadataEndpoint + "/latest/api/token",
            headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")], idempotent: true))
        let token = tokenResponse.text
        let base = metadataEndpoint + "/latest/meta-data/iam/security-credentials/"
        let roles = try await http.send(CloudRequest(
            operation: "IMDSv2 security-credentials", method: "GET", url: base,
            headers: [("X-aws-ec2-metadata-token", token)], idempotent: true)).text
        guard let role = roles.split(separator: "\n").first.map(String.init), !role.isEmpty else {
            throw ProviderConfigurationError(provider: "aws", "this instance has no IAM role (the metadata service lists none)")
        }
        let document = try await http.send(CloudRequest(
            operation: "IMDSv2 security-credentials/role", method: "GET", url: base + role,
            headers: [("X-aws-ec2-metadata-token", token)], idempotent: true))
        struct RoleCredentials: Decodable {
            var AccessKeyId: String
            var SecretAccessKey: String
            var Token: String?
            var Expiration: String?
        }
        guard let decoded = try? JSONDecoder().decode(RoleCredentials.self, from: Data(document.body)) else {
            throw ProviderConfigurationError(provider: "aws", "role '\(role)': the metadata service's credentials are not the expected JSON")
        }
        let expires = decoded.Expiration.flatMap { ISO8601DateFormatter().date(from: $0) }
        return (AWSCredentials(accessKeyID: decoded.AccessKeyId, secretAccessKey: decoded.SecretAccessKey, sessionToken: decoded.Token), expires)
    }
}
