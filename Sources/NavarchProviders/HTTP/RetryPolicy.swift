/// When to retry a failed cloud call and how long to wait first: exponential backoff with full
/// jitter, capped, honouring the cloud's `Retry-After`. Pure: the random source is passed in.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// The backoff ceiling before the first retry; it doubles per attempt.
    public var baseDelay: Duration
    /// No single wait is longer than this (a `Retry-After` above it is cut to it).
    public var maxDelay: Duration

    public init(maxAttempts: Int = 6, baseDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(20)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// No retries.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The wait before the next attempt after `attempt` (1-based) failed with `error`, or `nil`
    /// to give up. A request that is not idempotent is retried only when the cloud certainly
    /// did not act on it (throttled, or no connection).
    public func delay<R: RandomNumberGenerator>(
        afterAttempt attempt: Int, error: CloudAPIError, idempotent: Bool, random: inout R
    ) -> Duration? {
        guard attempt < maxAttempts, error.isRetryable else { return nil }
        if !idempotent && error.kind == .server { return nil }
        let ceilingSeconds = min(maxDelay.timeInterval, baseDelay.timeInterval * Double(1 << min(attempt - 1, 30)))
        var seconds = Double.random(in: 0...ceilingSeconds, using: &random)
        if let retryAfter = error.retryAfterSeconds { seconds = max(seconds, min(retryAfter, maxDelay.timeInterval)) }
        return .milliseconds(Int64(seconds * 1000))
    }
}
