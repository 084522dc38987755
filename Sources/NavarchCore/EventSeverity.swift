/// How urgent an event is, for routing notifications: `info` is the record, `warning` wants a
/// look during the day, `critical` wants the person on call.
public enum EventSeverity: String, Sendable, Codable, CaseIterable, Comparable {
    case info
    case warning
    case critical

    var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: EventSeverity, rhs: EventSeverity) -> Bool { lhs.rank < rhs.rank }
}

extension FleetEvent {
    /// The event's severity, from its kind (and, for a health change, the verdict it changed to).
    public var severity: EventSeverity {
        switch kind {
        case "breaker.opened", "coordinator.drain_timeout", "remediation.validation_failed", "instance.failed":
            return .critical
        case "node.health_changed":
            return attributes["to"] == "unhealthy" ? .critical : attributes["to"] == "degraded" ? .warning : .info
        case "remediation.replace", "remediation.reset_gpu", "remediation.reboot", "remediation.held", "remediation.waiting",
             "remediation.alert", "node.heartbeat_missed", "node.cordoned", "node.uncordoned_forced", "breaker.reset",
             "diagnostic.failed", "instance.spot_fallback", "instance.failover", "node.join_refused", "instance.unknown",
             "rate_limit.deferred":
            return .warning
        default:
            return .info
        }
    }

    /// Whether the event ends a problem notified before (a node validated after a repair, a
    /// node back to healthy, a replaced node terminated): paging notifiers resolve their alert.
    public var resolvesProblem: Bool {
        switch kind {
        case "remediation.validated", "node.terminated": return true
        case "node.health_changed": return attributes["to"] == "healthy"
        default: return false
        }
    }
}
