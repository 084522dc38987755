import Foundation

/// The bearer tokens and the decisions about them: who a presented token is, and whether a
/// token may be created or revoked. Pure: the caller hashes secrets, mints ids and stores
/// the settings records this returns.
public struct TokenBook: Sendable {
    /// The settings key prefix tokens are stored under.
    public static let settingPrefix = "api-token/"
    /// Names are what audit records show: short and plain (1 to 64 of letters, digits and
    /// `. _ : @ -`, starting with a letter or digit).
    static func isPlainName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 64, first.properties.isASCIIHexDigit || ("a"..."z").contains(first) || ("A"..."Z").contains(first) else {
            return false
        }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || "._:@-".unicodeScalars.contains(scalar))
        }
    }

    public private(set) var tokens: [String: APIToken] = [:]

    public init(tokens: [APIToken] = []) {
        for token in tokens { self.tokens[token.id] = token }
    }

    /// The tokens stored in `settings`.
    public init(settings: [String: Data]) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        for (key, data) in settings where key.hasPrefix(Self.settingPrefix) {
            do { try self.tokens[String(key.dropFirst(Self.settingPrefix.count))] = decoder.decode(APIToken.self, from: data) } catch {
                throw NavarchError(.internal, "stored token \(key) cannot be read: \(error)")
            }
        }
    }

    /// Every token, by name.
    public var list: [APIToken] { tokens.values.sorted { $0.name < $1.name } }

    /// Who holds the token `id` whose secret hashes to `secretHash`, at `now`.
    public func authenticate(id: String, secretHash: String, now: Date) throws(NavarchError) -> Principal {
        guard let token = tokens[id], ConstantTime.equal(token.secretHash, secretHash) else {
            throw NavarchError(.unauthenticated, "the bearer token is not valid: unknown, revoked or mistyped")
        }
        guard !token.isExpired(at: now) else {
            throw NavarchError(.unauthenticated, "token '\(token.name)' expired at \(Timestamp.iso8601(token.expiresAt ?? now))")
        }
        return .token(name: token.name, role: token.role)
    }

    /// Adds `token`; its name must be free and plain. Returns the record to store.
    public mutating func create(_ token: APIToken) throws(NavarchError) -> StoreRecord {
        guard Self.isPlainName(token.name) else {
            throw NavarchError.invalidArgument("token name '\(token.name)' must be 1 to 64 letters, digits or . _ : @ -, starting with a letter or digit")
        }
        if let expiry = token.expiresAt, expiry <= token.createdAt {
            throw NavarchError.invalidArgument("token '\(token.name)' would expire before it is created")
        }
        guard !tokens.values.contains(where: { $0.name == token.name }) else {
            throw NavarchError.alreadyExists("a token named '\(token.name)' exists; revoke it first or choose another name")
        }
        let record = StoreRecord.setting(Self.settingPrefix + token.id, try Self.encode(token))
        tokens[token.id] = token
        return record
    }

    /// Removes the token named `name`. Returns it and the record to store.
    public mutating func revoke(name: String) throws(NavarchError) -> (APIToken, StoreRecord) {
        guard let token = tokens.values.first(where: { $0.name == name }) else {
            throw NavarchError.notFound("no token is named '\(name)'")
        }
        tokens[token.id] = nil
        return (token, .setting(Self.settingPrefix + token.id, nil))
    }

    /// Takes back a token whose creation could not be stored.
    public mutating func remove(id: String) { tokens[id] = nil }

    /// Puts back a token whose revocation could not be stored.
    public mutating func restore(_ token: APIToken) { tokens[token.id] = token }

    static func encode(_ token: APIToken) throws(NavarchError) -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = .sortedKeys
        do { return try encoder.encode(token) } catch { throw NavarchError(.internal, "token '\(token.name)' cannot be encoded: \(error)") }
    }

}
