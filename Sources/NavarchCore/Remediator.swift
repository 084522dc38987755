/// What to do about a node whose health changed.
public enum RemediationAction: String, Sendable, Codable, Equatable {
    /// Nothing.
    case none
    /// Tell people, keep the node in service.
    case alert
    /// Take the node out of service, keep the machine.
    case cordon
    /// Drain the node and reset the faulty GPU, then validate before it goes back in service.
    case resetGPU = "reset-gpu"
    /// Drain the node and reboot it, then validate before it goes back in service.
    case reboot
    /// Take the node out of service, start a replacement, then terminate the machine.
    case cordonAndReplace = "cordon-and-replace"

    /// The rung of the remediation ladder this action asks for, if it is one.
    public var ladderRung: HealthAction? {
        switch self {
        case .resetGPU: .resetGPU
        case .reboot: .reboot
        case .cordonAndReplace: .replace
        case .none, .alert, .cordon: nil
        }
    }
}

/// Decides what to do with an unhealthy node. The control plane passes the answer through the
/// node's ``RemediationLadder``, which may climb past it (a third GPU reset in a day becomes a
/// reboot), and through the circuit breakers, which may hold a replacement. A pure, synchronous
/// decision over the node and the verdict it is given.
public protocol Remediator: Sendable {
    func remediate(_ node: Node, result: HealthResult) throws -> RemediationAction
}

/// The built-in remediator: repair before replace. An unhealthy node gets what the health
/// policy asked for in the observations that made it unhealthy (reset the GPU, reboot,
/// replace); an unhealthy node with no such request (it went silent, a check failed without
/// a rule) is replaced. A degraded node raises an alert.
public struct RepairBeforeReplace: Remediator {
    public init() {}

    public func remediate(_ node: Node, result: HealthResult) throws -> RemediationAction {
        switch result.status {
        case .unhealthy:
            let requested = result.observations.filter { $0.verdict == .unhealthy }.map(\.action).max() ?? .none
            switch requested {
            case .resetGPU: return .resetGPU
            case .reboot: return .reboot
            case .replace, .none, .alert: return .cordonAndReplace
            }
        case .degraded: return .alert
        case .healthy, .unknown: return .none
        }
    }
}

/// The remediator that skips the ladder's repairs: an unhealthy node is cordoned and replaced
/// (surge-first), a degraded one raises an alert.
public struct CordonAndReplace: Remediator {
    public init() {}

    public func remediate(_ node: Node, result: HealthResult) throws -> RemediationAction {
        switch result.status {
        case .unhealthy: .cordonAndReplace
        case .degraded: .alert
        case .healthy, .unknown: .none
        }
    }
}
