/// One cloud API's ``AdaptiveRate``, shared by every call a provider makes.
public actor AdaptiveThrottle {
    private var state = AdaptiveRate()
    private let start = ContinuousClock.now

    public init() {}

    private var now: Double { (ContinuousClock.now - start).timeInterval }

    /// Waits for a send slot.
    public func acquire() async throws {
        let wait = state.reserve(now: now)
        if wait > 0 { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
    }

    public func record(throttled: Bool) {
        if throttled { state.throttled(now: now) } else { state.succeeded() }
    }

    /// Requests per second allowed now; `nil` is unlimited.
    public var rate: Double? { state.rate }
}
