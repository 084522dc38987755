/// A pool's autoscaler as configured (`pools.<name>.autoscaler` in navarch.yaml), stored with
/// the pool.
public indirect enum AutoscalerSpec: Sendable, Codable, Equatable {
    case reactive(ReactiveAutoscaler)
    case queue(QueueAutoscaler)
    case scheduled(ScheduledAutoscaler)
    case predictive(PredictiveAutoscaler)
    case composite(mode: CompositeAutoscaler.Mode, members: [AutoscalerSpec])

    /// The autoscaler it describes.
    public func make() -> any Autoscaler {
        switch self {
        case .reactive(let autoscaler): autoscaler
        case .queue(let autoscaler): autoscaler
        case .scheduled(let autoscaler): autoscaler
        case .predictive(let autoscaler): autoscaler
        case .composite(let mode, let members): CompositeAutoscaler(mode: mode, members: members.map { $0.make() })
        }
    }

    /// One line for `navarch pools list`: `reactive 30-80%`, `max(queue 2/node, scheduled)`.
    public var summary: String {
        switch self {
        case .reactive(let a): "reactive \(Int(a.scaleDownBelow))-\(Int(a.scaleUpAbove))%"
        case .queue(let a): "queue \(a.jobsPerNode)/node"
        case .scheduled(let a): "scheduled (\(a.windows.count) window(s), \(a.timeZone))"
        case .predictive(let a): "predictive \(Int(a.window.timeInterval / 60))m trend"
        case .composite(let mode, let members): "\(mode.rawValue)(\(members.map(\.summary).joined(separator: ", ")))"
        }
    }
}
