/// Exponential backoff with full jitter: 0.25 s, 0.5 s, 1 s, ... up to `maximum`.
struct Backoff: Sendable {
    var initial: Duration = .milliseconds(250)
    var maximum: Duration
    private(set) var attempt = 0

    init(maximum: Duration) { self.maximum = maximum }

    /// The pause before the next attempt.
    mutating func next() -> Duration {
        defer { attempt += 1 }
        let ceiling = min(initial * (1 << min(attempt, 16)), maximum)
        let milliseconds = max(ceiling.components.seconds * 1000 + ceiling.components.attoseconds / 1_000_000_000_000_000, 1)
        return .milliseconds(Int64.random(in: (milliseconds / 2)...milliseconds))
    }

    mutating func reset() { attempt = 0 }
}
