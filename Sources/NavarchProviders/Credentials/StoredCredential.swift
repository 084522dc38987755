/// One provider's credentials as `navarch config set-credentials` keeps them: plain fields
/// (project, profile, ids) and secrets, which are never printed whole.
public struct StoredCredential: Sendable, Codable, Equatable {
    public var provider: String
    public var fields: [String: String]
    public var secrets: [String: String]

    public init(provider: String, fields: [String: String] = [:], secrets: [String: String] = [:]) {
        self.provider = provider
        self.fields = fields
        self.secrets = secrets
    }

    /// Every field and secret by name, secrets masked to their last four characters.
    public var masked: [(name: String, value: String)] {
        fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            + secrets.sorted { $0.key < $1.key }.map { ($0.key, Self.mask($0.value)) }
    }

    /// `****` and the last four characters; all stars when the secret is short.
    public static func mask(_ secret: String) -> String {
        let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count > 12 else { return "****" }
        return "****" + trimmed.suffix(4)
    }
}
