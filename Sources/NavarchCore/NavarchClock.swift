import Foundation

/// The source of time for everything in Navarch. Logic never reads the wall clock itself:
/// production code gets ``SystemClock``, tests a manual clock they advance by hand.
public protocol NavarchClock: Sendable {
    /// The current time.
    var now: Date { get }
    /// Suspends for `duration` of this clock's time.
    func sleep(for duration: Duration) async throws
    /// Suspends until this clock reads `deadline` (at once when it has passed).
    func sleep(until deadline: Date) async throws
}

extension NavarchClock {
    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSince(now)
        guard seconds > 0 else { return }
        try await sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
    }
}

/// The wall clock.
public struct SystemClock: NavarchClock {
    public init() {}
    public var now: Date { Date() }
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

extension Duration {
    /// The duration in seconds as a `TimeInterval`.
    public var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }

    /// The duration in whole milliseconds.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
