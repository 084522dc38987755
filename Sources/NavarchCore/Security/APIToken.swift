import Foundation

/// A bearer token given to a person or a tool. Only the hash of its secret is kept; the
/// secret itself is shown once, when the token is created.
public struct APIToken: Codable, Sendable, Equatable {
    /// Public part of the token, in its text as `nvt1.ID.SECRET`.
    public var id: String
    /// Unique name, recorded as the actor of everything done with the token.
    public var name: String
    public var role: Role
    /// SHA-256 of the secret, lowercase hex.
    public var secretHash: String
    public var createdAt: Date
    /// The token is refused from this time on; nil: it does not expire.
    public var expiresAt: Date?
    /// The actor who created it.
    public var createdBy: String

    public init(id: String, name: String, role: Role, secretHash: String, createdAt: Date, expiresAt: Date? = nil, createdBy: String = "") {
        self.id = id
        self.name = name
        self.role = role
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.createdBy = createdBy
    }

    /// Whether the token is refused at `now`.
    public func isExpired(at now: Date) -> Bool { expiresAt.map { $0 <= now } ?? false }
}
