/// Client-side rate adaptation for one cloud API, as the AWS SDKs' adaptive retry mode does:
/// unlimited until the cloud throttles; then the send rate drops to a fraction of what was
/// being sent (multiplicative decrease) and climbs back with each success (additive increase)
/// until it is unlimited again. Pure: times are seconds on any monotonic clock.
public struct AdaptiveRate: Sendable, Equatable {
    /// Requests per second allowed now; `nil` is unlimited.
    public private(set) var rate: Double?
    /// The earliest time the next request may go.
    private var nextSlot: Double = 0
    /// Send times of the last second, to measure the rate that was throttled.
    private var recent: [Double] = []
    public var minimumRate: Double
    public var decrease: Double
    public var increasePerSuccess: Double

    public init(minimumRate: Double = 0.5, decrease: Double = 0.7, increasePerSuccess: Double = 0.05) {
        self.minimumRate = minimumRate
        self.decrease = decrease
        self.increasePerSuccess = increasePerSuccess
    }

    /// Takes a send slot at `now`; returns how long to wait before sending (0 when none).
    public mutating func reserve(now: Double) -> Double {
        recent.append(now)
        recent.removeAll { $0 < now - 1 }
        guard let rate else { return 0 }
        let slot = max(now, nextSlot)
        nextSlot = slot + 1 / rate
        return slot - now
    }

    /// The cloud throttled a request.
    public mutating func throttled(now: Double) {
        let measured = Double(recent.filter { $0 >= now - 1 }.count)
        let current = rate ?? max(measured, minimumRate)
        rate = max(minimumRate, current * decrease)
    }

    /// A request went through.
    public mutating func succeeded() {
        guard let current = rate else { return }
        let raised = current + increasePerSuccess * max(1, current)
        // Far above where it was throttled: the limit is gone, stop limiting.
        rate = raised > 1000 ? nil : raised
    }
}
