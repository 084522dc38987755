/// What the Lambda Cloud provider launches and where (`providers.lambda` in navarch.yaml).
public struct LambdaSettings: Sendable, Equatable {
    /// The API base URL. Default `https://cloud.lambda.ai/api/v1`.
    public var endpoint = "https://cloud.lambda.ai/api/v1"
    /// Regions to launch in, tried in order on `insufficient-capacity`; empty: any region the
    /// instance type has capacity in, as the API reports it.
    public var regions: [String] = []
    /// The account's SSH key the machines get (Lambda requires exactly one).
    public var sshKeyName = ""
    /// Lambda's published limits: one request per second, one launch per 12 seconds.
    public var requestInterval: Duration = .seconds(1)
    public var launchInterval: Duration = .seconds(12)

    public init() {}

    public func validate() throws(ProviderConfigurationError) {
        guard !sshKeyName.isEmpty else {
            throw ProviderConfigurationError(provider: "lambda", "providers.lambda.ssh_key_name is required: Lambda launches need exactly one of the account's SSH keys")
        }
    }
}
