/// What to do about a node whose health changed.
public enum RemediationAction: String, Sendable, Codable, Equatable {
    /// Nothing.
    case none
    /// Tell people, keep the node in service.
    case alert
    /// Take the node out of service, keep the machine.
    case cordon
    /// Take the node out of service, start a replacement, then terminate the machine.
    case cordonAndReplace = "cordon-and-replace"
}

/// Decides what to do with an unhealthy node.
public protocol Remediator: Sendable {
    func remediate(_ node: Node, result: HealthResult) async throws -> RemediationAction
}

/// The built-in remediator: an unhealthy node is cordoned and replaced (surge-first),
/// a degraded one raises an alert.
public struct CordonAndReplace: Remediator {
    public init() {}

    public func remediate(_ node: Node, result: HealthResult) async throws -> RemediationAction {
        switch result.status {
        case .unhealthy: .cordonAndReplace
        case .degraded: .alert
        case .healthy, .unknown: .none
        }
    }
}
