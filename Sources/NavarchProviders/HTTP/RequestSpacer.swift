import Foundation
import NavarchCore

/// Keeps calls at least `interval` apart, in the order they ask: a cloud's published rate limit
/// (Lambda Cloud: one request per second, one launch per 12 seconds) kept on our side.
public actor RequestSpacer {
    public let interval: Duration
    private let clock: any NavarchClock
    private var nextSlot: Date?

    public init(interval: Duration, clock: any NavarchClock = SystemClock()) {
        self.interval = interval
        self.clock = clock
    }

    /// Returns when the caller may send its request.
    public func wait() async throws {
        let now = clock.now
        let slot = max(now, nextSlot ?? now)
        nextSlot = slot.addingTimeInterval(interval.timeInterval)
        let wait = slot.timeIntervalSince(now)
        if wait > 0 { try await clock.sleep(for: .milliseconds(Int64(wait * 1000))) }
    }
}
