import Foundation

/// Scales on where utilisation is going: the least-squares trend of the samples within
/// `window`, projected `lookahead` ahead, judged with the reactive thresholds. Needs at least
/// `minimumSamples` samples.
public struct PredictiveAutoscaler: Autoscaler, Codable, Equatable {
    public var window: Duration
    public var lookahead: Duration
    public var scaleUpAbove: Double
    public var scaleDownBelow: Double
    public var minimumSamples: Int

    public init(window: Duration = .seconds(1800), lookahead: Duration = .seconds(600), scaleUpAbove: Double = 80, scaleDownBelow: Double = 30, minimumSamples: Int = 3) {
        self.window = window
        self.lookahead = lookahead
        self.scaleUpAbove = scaleUpAbove
        self.scaleDownBelow = scaleDownBelow
        self.minimumSamples = minimumSamples
    }

    public func recommend(_ metrics: AutoscalerMetrics) -> ScaleRecommendation? {
        let recent = metrics.utilizationHistory.filter { metrics.now.timeIntervalSince($0.time) <= window.timeInterval }
        guard recent.count >= max(minimumSamples, 2), let projected = Self.project(recent, to: metrics.now.addingTimeInterval(lookahead.timeInterval)) else { return nil }
        let bounded = min(max(projected, 0), 100)
        return ReactiveAutoscaler.resize(
            utilization: bounded, metrics: metrics, up: scaleUpAbove, down: scaleDownBelow, target: nil,
            what: "utilisation projected \(Int(lookahead.timeInterval / 60))m ahead")
    }

    /// The least-squares line through `samples`, evaluated at `time`.
    static func project(_ samples: [UtilizationSample], to time: Date) -> Double? {
        guard let origin = samples.first?.time else { return nil }
        let xs = samples.map { $0.time.timeIntervalSince(origin) }, ys = samples.map(\.percent)
        let n = Double(samples.count)
        let meanX = xs.reduce(0, +) / n, meanY = ys.reduce(0, +) / n
        let covariance = zip(xs, ys).map { ($0 - meanX) * ($1 - meanY) }.reduce(0, +)
        let variance = xs.map { ($0 - meanX) * ($0 - meanX) }.reduce(0, +)
        guard variance > 0 else { return meanY }
        let slope = covariance / variance
        return meanY + slope * (time.timeIntervalSince(origin) - meanX)
    }
}
