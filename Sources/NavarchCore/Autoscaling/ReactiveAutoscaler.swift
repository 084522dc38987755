/// Scales on GPU utilisation: above `scaleUpAbove` percent it adds nodes, enough to bring the
/// pool back to `target`; below `scaleDownBelow` it removes them the same way.
public struct ReactiveAutoscaler: Autoscaler, Codable, Equatable {
    public var scaleUpAbove: Double
    public var scaleDownBelow: Double
    /// The utilisation a resize aims for; default midway between the thresholds.
    public var target: Double?

    public init(scaleUpAbove: Double = 80, scaleDownBelow: Double = 30, target: Double? = nil) {
        self.scaleUpAbove = scaleUpAbove
        self.scaleDownBelow = scaleDownBelow
        self.target = target
    }

    public func recommend(_ metrics: AutoscalerMetrics) -> ScaleRecommendation? {
        guard let utilization = metrics.utilization else { return nil }
        return Self.resize(utilization: utilization, metrics: metrics, up: scaleUpAbove, down: scaleDownBelow, target: target, what: "GPU utilisation")
    }

    /// The size that brings `utilization` of the serving nodes to the target, when it is past a threshold.
    static func resize(utilization: Double, metrics: AutoscalerMetrics, up: Double, down: Double, target: Double?, what: String) -> ScaleRecommendation {
        let aim = target ?? (up + down) / 2
        let current = max(metrics.servingNodes, 1)
        let rounded = Int(utilization.rounded())
        if utilization > up {
            let wanted = max(current + 1, Int((Double(current) * utilization / aim).rounded(.up)))
            return ScaleRecommendation(desiredNodes: wanted, reason: "\(what) \(rounded)% is above \(Int(up))%")
        }
        if utilization < down && metrics.servingNodes > 0 {
            let wanted = min(current - 1, Int((Double(current) * utilization / aim).rounded(.up)))
            return ScaleRecommendation(desiredNodes: max(wanted, 0), reason: "\(what) \(rounded)% is below \(Int(down))%")
        }
        return ScaleRecommendation(desiredNodes: metrics.desiredNodes, reason: "\(what) \(rounded)% is within \(Int(down))-\(Int(up))%")
    }
}
