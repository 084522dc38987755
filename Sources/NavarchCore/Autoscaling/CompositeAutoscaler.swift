/// Combines autoscalers: the sizes they recommend by `max` (the default: never starve a
/// signal), `min` or `avg`, and the tightest bounds any of them gives.
public struct CompositeAutoscaler: Autoscaler {
    public enum Mode: String, Sendable, Codable, CaseIterable { case max, min, avg }

    public var mode: Mode
    public var members: [any Autoscaler]

    public init(mode: Mode = .max, members: [any Autoscaler]) {
        self.mode = mode
        self.members = members
    }

    public func recommend(_ metrics: AutoscalerMetrics) -> ScaleRecommendation? {
        let answers = members.compactMap { $0.recommend(metrics) }
        guard !answers.isEmpty else { return nil }
        let sizes = answers.compactMap(\.desiredNodes)
        var result = ScaleRecommendation(reason: "\(mode.rawValue) of: " + answers.map(\.reason).joined(separator: "; "))
        if !sizes.isEmpty {
            switch mode {
            case .max: result.desiredNodes = sizes.max()
            case .min: result.desiredNodes = sizes.min()
            case .avg: result.desiredNodes = Int((Double(sizes.reduce(0, +)) / Double(sizes.count)).rounded())
            }
        }
        result.minNodes = answers.compactMap(\.minNodes).max()
        result.maxNodes = answers.compactMap(\.maxNodes).min()
        return result
    }
}
