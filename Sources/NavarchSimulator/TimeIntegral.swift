/// A quantity that changes at moments (GPUs in service, dollars an hour) and its integral over
/// virtual time, kept exactly: each change closes the interval before it.
struct TimeIntegral: Sendable {
    private(set) var value = 0.0
    private var accumulated = 0.0
    private var since = 0.0

    /// Changes the value by `delta` at `time`.
    mutating func add(_ delta: Double, at time: Double) {
        accumulated += value * (time - since)
        since = time
        value += delta
    }

    /// The integral from the start to `time`.
    func total(at time: Double) -> Double {
        accumulated + value * (time - since)
    }
}
