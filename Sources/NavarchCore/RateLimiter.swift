import Foundation

/// Token buckets by key, a pure state machine: each key may spend `perMinute` tokens a minute,
/// refilled continuously, up to a burst of `perMinute`.
public struct RateLimiter: Sendable, Equatable {
    public let perMinute: Int
    private var buckets: [String: Bucket] = [:]

    struct Bucket: Sendable, Equatable {
        var tokens: Double
        var updated: Date
    }

    public init(perMinute: Int) {
        self.perMinute = max(perMinute, 1)
    }

    /// Whether `key` may make a call now; `take` spends the token when it may.
    public func allows(_ key: String, at now: Date) -> Bool {
        tokens(key, at: now) >= 1
    }

    /// Spends one token of `key`. Returns false (and spends nothing) when none is left.
    @discardableResult
    public mutating func take(_ key: String, at now: Date) -> Bool {
        let available = tokens(key, at: now)
        guard available >= 1 else {
            buckets[key] = Bucket(tokens: available, updated: now)
            return false
        }
        buckets[key] = Bucket(tokens: available - 1, updated: now)
        return true
    }

    /// Gives back a token taken for a call that another limit then refused.
    public mutating func giveBack(_ key: String, at now: Date) {
        buckets[key] = Bucket(tokens: min(tokens(key, at: now) + 1, Double(perMinute)), updated: now)
    }

    /// When `key` has a token again: `now` if it has one.
    public func nextToken(_ key: String, at now: Date) -> Date {
        let available = tokens(key, at: now)
        guard available < 1 else { return now }
        return now.addingTimeInterval((1 - available) * 60 / Double(perMinute))
    }

    private func tokens(_ key: String, at now: Date) -> Double {
        guard let bucket = buckets[key] else { return Double(perMinute) }
        let refill = max(0, now.timeIntervalSince(bucket.updated)) * Double(perMinute) / 60
        return min(Double(perMinute), bucket.tokens + refill)
    }
}
