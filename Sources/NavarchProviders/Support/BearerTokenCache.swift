import NavarchCore

/// An OAuth access token and when it stops working.
public struct BearerToken: Sendable, Equatable {
    public var value: String
    public var expiresAt: ContinuousClock.Instant

    public init(value: String, expiresAt: ContinuousClock.Instant) {
        self.value = value
        self.expiresAt = expiresAt
    }
}

/// Keeps one access token and fetches a new one a margin before it expires. Concurrent callers
/// share one fetch, so a burst of API calls mints one token, not one each.
public actor BearerTokenCache {
    public typealias Fetch = @Sendable () async throws -> (token: String, expiresIn: Duration)

    private let fetch: Fetch
    private let margin: Duration
    private var current: BearerToken?
    private var inFlight: Task<BearerToken, any Error>?

    /// - Parameter margin: how long before expiry a token is replaced. Default 5 minutes.
    public init(margin: Duration = .seconds(300), fetch: @escaping Fetch) {
        self.fetch = fetch
        self.margin = margin
    }

    /// A token valid for at least the margin.
    public func token() async throws -> String {
        if let current, ContinuousClock.now + margin < current.expiresAt { return current.value }
        if let inFlight { return try await inFlight.value.value }
        let fetch = self.fetch
        let task = Task { () async throws -> BearerToken in
            let started = ContinuousClock.now
            let answer = try await fetch()
            return BearerToken(value: answer.token, expiresAt: started + answer.expiresIn)
        }
        inFlight = task
        defer { inFlight = nil }
        let token = try await task.value
        current = token
        return token.value
    }

    /// Forgets the token, so that the next call fetches one (after the API refused it).
    public func invalidate() { current = nil }
}
