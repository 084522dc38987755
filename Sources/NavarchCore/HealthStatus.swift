/// Health verdict of a node or GPU. Kept apart from the lifecycle state: a node can be
/// cordoned and healthy, or active and degraded.
public enum HealthStatus: String, Sendable, Codable, CaseIterable, Comparable {
    case healthy
    case degraded
    case unhealthy
    case unknown

    /// Severity order used to combine verdicts: the worst one wins.
    var severity: Int {
        switch self {
        case .healthy: 0
        case .unknown: 1
        case .degraded: 2
        case .unhealthy: 3
        }
    }

    public static func < (lhs: HealthStatus, rhs: HealthStatus) -> Bool { lhs.severity < rhs.severity }
}
