import Foundation

/// A pool's autoscaling: its autoscaler, cooldowns, and what it remembers between decisions.
public struct PoolAutoscaling: Sendable, Codable, Equatable {
    public var autoscaler: AutoscalerSpec
    /// No scale-up sooner than this after the last one. Default 5 min.
    public var scaleUpCooldown: Duration
    /// No scale-down sooner than this after the last scale-up or scale-down. Default 10 min.
    public var scaleDownCooldown: Duration
    public var lastScaleUp: Date?
    public var lastScaleDown: Date?
    /// Utilisation samples for trends, oldest first (the last two hours at most).
    public var utilizationHistory: [UtilizationSample]

    public init(autoscaler: AutoscalerSpec, scaleUpCooldown: Duration = .seconds(300), scaleDownCooldown: Duration = .seconds(600)) {
        self.autoscaler = autoscaler
        self.scaleUpCooldown = scaleUpCooldown
        self.scaleDownCooldown = scaleDownCooldown
        self.lastScaleUp = nil
        self.lastScaleDown = nil
        self.utilizationHistory = []
    }

    /// Adds a sample, forgetting those older than two hours.
    public mutating func remember(_ sample: UtilizationSample) {
        utilizationHistory.append(sample)
        utilizationHistory.removeAll { sample.time.timeIntervalSince($0.time) > 7200 }
        if utilizationHistory.count > 720 { utilizationHistory.removeFirst(utilizationHistory.count - 720) }
    }

    /// Configuration changed (navarch.yaml read again): keep what was remembered.
    public mutating func update(from configured: PoolAutoscaling) {
        autoscaler = configured.autoscaler
        scaleUpCooldown = configured.scaleUpCooldown
        scaleDownCooldown = configured.scaleDownCooldown
    }
}

/// What the autoscaling of a pool decided.
public struct ScalingDecision: Sendable, Equatable {
    /// The new desired size, or nil to keep the current one.
    public var desiredNodes: Int?
    public var reason: String

    public init(desiredNodes: Int?, reason: String) {
        self.desiredNodes = desiredNodes
        self.reason = reason
    }
}

/// Turns a recommendation into a decision, the same for every autoscaler: bounds first (the
/// pool's, or a schedule's for the time being), then cooldowns. Pure.
public enum ScalingDecider {
    public static func decide(pool: Pool, autoscaling: PoolAutoscaling, recommendation: ScaleRecommendation?, now: Date) -> ScalingDecision {
        let current = pool.desiredNodes
        let lower = recommendation?.minNodes ?? pool.minNodes
        let upper = recommendation?.maxNodes ?? (pool.maxNodes > 0 ? pool.maxNodes : Int.max)
        // Out of bounds (a schedule's window began or ended): corrected at once, whatever the cooldowns.
        if current < lower { return ScalingDecision(desiredNodes: lower, reason: "below the minimum of \(lower): \(recommendation?.reason ?? "pool bounds")") }
        if current > upper { return ScalingDecision(desiredNodes: upper, reason: "above the maximum of \(upper): \(recommendation?.reason ?? "pool bounds")") }
        guard let recommendation, let wanted = recommendation.desiredNodes else {
            return ScalingDecision(desiredNodes: nil, reason: recommendation?.reason ?? "no metrics yet")
        }
        let target = min(max(wanted, lower), upper)
        if target > current {
            if let last = autoscaling.lastScaleUp, now.timeIntervalSince(last) < autoscaling.scaleUpCooldown.timeInterval {
                return ScalingDecision(desiredNodes: nil, reason: "\(recommendation.reason); scale-up cooldown: last scale-up \(Int(now.timeIntervalSince(last))) s ago")
            }
            return ScalingDecision(desiredNodes: target, reason: recommendation.reason)
        }
        if target < current {
            let last = [autoscaling.lastScaleUp, autoscaling.lastScaleDown].compactMap { $0 }.max()
            if let last, now.timeIntervalSince(last) < autoscaling.scaleDownCooldown.timeInterval {
                return ScalingDecision(desiredNodes: nil, reason: "\(recommendation.reason); scale-down cooldown: last resize \(Int(now.timeIntervalSince(last))) s ago")
            }
            return ScalingDecision(desiredNodes: target, reason: recommendation.reason)
        }
        return ScalingDecision(desiredNodes: nil, reason: recommendation.reason)
    }
}
