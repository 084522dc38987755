/// A summary of durations (seconds): count, mean, percentiles by nearest rank, and a histogram
/// of 20 equal bins from 0 to the maximum, for the report's charts.
public struct Distribution: Sendable, Codable, Equatable {
    public var count = 0
    public var mean = 0.0
    public var p50 = 0.0
    public var p90 = 0.0
    public var p99 = 0.0
    public var max = 0.0
    /// Width of each histogram bin, in seconds.
    public var binWidth = 0.0
    public var histogram: [Int] = []

    public init(_ values: [Double]) {
        guard !values.isEmpty else { return }
        let sorted = values.sorted()
        count = sorted.count
        mean = sorted.reduce(0, +) / Double(count)
        func rank(_ share: Double) -> Double { sorted[Swift.min(count - 1, Swift.max(0, Int((share * Double(count)).rounded(.up)) - 1))] }
        p50 = rank(0.5)
        p90 = rank(0.9)
        p99 = rank(0.99)
        max = sorted[count - 1]
        let bins = 20
        binWidth = max > 0 ? max / Double(bins) : 1
        histogram = Array(repeating: 0, count: bins)
        for value in sorted { histogram[Swift.min(bins - 1, Int(value / binWidth))] += 1 }
    }
}
