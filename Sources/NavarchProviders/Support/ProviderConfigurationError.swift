/// A provider that cannot be set up: missing or malformed credentials or settings. Raised when
/// the control plane starts, naming the provider and what is wrong.
public struct ProviderConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var provider: String
    public var problem: String

    public init(provider: String, _ problem: String) {
        self.provider = provider
        self.problem = problem
    }

    public var description: String { "\(provider): \(problem)" }
}
