import Foundation
import Logging
import NavarchCore
import NavarchStore
import Synchronization

/// Who a call comes from, and the bearer tokens behind that answer. Reads are lock-protected
/// and never wait on the store; a token created or revoked is stored first and only then
/// takes effect, so a write that fails changes nothing.
final class AccessControl: Sendable {
    private let book: Mutex<TokenBook>
    private let store: any Store
    private let clock: any NavarchClock
    private let limiter: Mutex<RateLimiter>
    /// Open streams (event watches) by principal.
    private let streams = Mutex<[String: Int]>([:])
    let streamsPerPrincipal: Int

    init(store: any Store, settings: [String: Data], clock: any NavarchClock, callsPerMinute: Int, streamsPerPrincipal: Int) throws {
        self.store = store
        self.clock = clock
        self.book = Mutex(try TokenBook(settings: settings))
        self.limiter = Mutex(RateLimiter(perMinute: callsPerMinute))
        self.streamsPerPrincipal = streamsPerPrincipal
    }

    /// A stream `principal` opens; `resourceExhausted` when it has its limit open already.
    /// Close the lease when the stream ends.
    func openStream(for principal: Principal) throws(NavarchError) -> StreamLease {
        let key = principal.actorName, limit = streamsPerPrincipal
        let opened = streams.withLock { open in
            guard open[key, default: 0] < limit else { return false }
            open[key, default: 0] += 1
            return true
        }
        guard opened else {
            throw NavarchError(.resourceExhausted, "\(principal) has \(limit) streams open already, its limit; close one first")
        }
        return StreamLease { [self] in
            streams.withLock { open in
                open[key, default: 1] -= 1
                if open[key] == 0 { open[key] = nil }
            }
        }
    }

    /// The principal an `authorization` header value names. A node credential is only parsed
    /// here; the brain checks it against the one it issued.
    func principal(authorization: String?) throws(NavarchError) -> Principal {
        switch try BearerCredential.parse(authorization: authorization) {
        case nil: return .anonymous
        case .node(let id, let secret): return .node(id: id, credentialHash: Secrets.hash(secret))
        case .token(let id, let secret):
            let hash = Secrets.hash(secret), now = clock.now
            return try book.withLock { book throws(NavarchError) in try book.authenticate(id: id, secretHash: hash, now: now) }
        }
    }

    /// Spends one call of `principal`'s budget (anonymous callers by their address); a
    /// `resourceExhausted` error when it has none left.
    func admit(_ principal: Principal, peer: String) throws(NavarchError) {
        let key: String
        switch principal {
        case .anonymous: key = "anonymous " + Self.host(of: peer)
        case .token(let name, _): key = "token " + name
        case .node(let id, _): key = "node " + id
        }
        // Budgets are spent in real time, whatever clock the fleet runs on.
        let now = Date()
        let allowed = limiter.withLock { $0.take(key, at: now) }
        guard allowed else {
            let perMinute = limiter.withLock { $0.perMinute }
            throw NavarchError(.resourceExhausted, "\(principal) is over its limit of \(perMinute) calls a minute; slow down and retry")
        }
    }

    var tokens: [APIToken] { book.withLock { $0.list } }

    var isEmpty: Bool { book.withLock { $0.tokens.isEmpty } }

    /// Creates a token; returns it with the text its holder sends (shown once, never stored).
    /// It takes effect in memory at once (no one holds its text yet) and is taken back when
    /// the store refuses it.
    func createToken(name: String, role: Role, lifetime: Duration?, actor: String) async throws -> (APIToken, String) {
        let minted = BearerCredential.mintToken()
        let now = clock.now
        let token = APIToken(
            id: minted.id, name: name, role: role, secretHash: Secrets.hash(minted.secret), createdAt: now,
            expiresAt: lifetime.map { now.addingTimeInterval($0.timeInterval) }, createdBy: actor)
        let record = try book.withLock { book throws(NavarchError) in try book.create(token) }
        do { try await store.commit([record]) } catch {
            book.withLock { $0.remove(id: token.id) }
            throw NavarchError(.unavailable, "the control plane cannot store token '\(name)': \(error)")
        }
        return (token, minted.text)
    }

    /// Revokes the token named `name`; it is refused from the next call on. When the store
    /// refuses the change, the token is back as it was.
    func revokeToken(name: String) async throws -> APIToken {
        let (token, record) = try book.withLock { book throws(NavarchError) in try book.revoke(name: name) }
        do { try await store.commit([record]) } catch {
            book.withLock { $0.restore(token) }
            throw NavarchError(.unavailable, "the control plane cannot store the revocation of token '\(name)': \(error)")
        }
        return token
    }

    /// On a control plane's first start (no token at all), creates the `admin` token and
    /// writes it to `path` (mode 0600) for the local user. Returns the path when it did.
    func bootstrapAdmin(writingTo path: String) async throws -> String? {
        guard isEmpty else { return nil }
        let (_, text) = try await createToken(name: "admin", role: .admin, lifetime: nil, actor: "navarch serve")
        try PrivateFile.write(text + "\n", to: path)
        return path
    }

    /// An open stream's place in its principal's limit, given back by `close()` or when the
    /// lease is released.
    final class StreamLease: Sendable {
        private let release: Mutex<(@Sendable () -> Void)?>

        init(_ release: @escaping @Sendable () -> Void) { self.release = Mutex(release) }

        func close() {
            let release = self.release.withLock { release in defer { release = nil }; return release }
            release?()
        }

        deinit { close() }
    }

    /// The host part of a gRPC peer (`ipv4:127.0.0.1:5000`) or an HTTP remote address.
    static func host(of peer: String) -> String {
        var text = Substring(peer)
        for scheme in ["ipv4:", "ipv6:", "unix:"] where text.hasPrefix(scheme) { text = text.dropFirst(scheme.count) }
        if let colon = text.lastIndex(of: ":") { text = text[..<colon] }
        return String(text)
    }
}
