import NavarchCore

extension Navarch_V1_HealthStatus {
    public init(_ status: HealthStatus) {
        switch status {
        case .healthy: self = .healthy
        case .degraded: self = .degraded
        case .unhealthy: self = .unhealthy
        case .unknown: self = .unknown
        }
    }

    /// The domain value; `nil` for unspecified or unrecognised values.
    public var domain: HealthStatus? {
        switch self {
        case .healthy: .healthy
        case .degraded: .degraded
        case .unhealthy: .unhealthy
        case .unknown: .unknown
        default: nil
        }
    }
}

extension Navarch_V1_NodeState {
    public init(_ state: NodeState) {
        switch state {
        case .active: self = .active
        case .cordoned: self = .cordoned
        case .draining: self = .draining
        case .drained: self = .drained
        case .diagnosing: self = .diagnosing
        case .repairing: self = .repairing
        case .unhealthy: self = .unhealthy
        case .terminated: self = .terminated
        }
    }

    public var domain: NodeState? {
        switch self {
        case .active: .active
        case .cordoned: .cordoned
        case .draining: .draining
        case .drained: .drained
        case .diagnosing: .diagnosing
        case .repairing: .repairing
        case .unhealthy: .unhealthy
        case .terminated: .terminated
        default: nil
        }
    }
}

extension Navarch_V1_InstanceState {
    public init(_ state: InstanceState) {
        switch state {
        case .requested: self = .requested
        case .provisioning: self = .provisioning
        case .booting: self = .booting
        case .registered: self = .registered
        case .running: self = .running
        case .terminating: self = .terminating
        case .terminated: self = .terminated
        case .failed: self = .failed
        }
    }

    public var domain: InstanceState? {
        switch self {
        case .requested: .requested
        case .provisioning: .provisioning
        case .booting: .booting
        case .registered: .registered
        case .running: .running
        case .terminating: .terminating
        case .terminated: .terminated
        case .failed: .failed
        default: nil
        }
    }
}

extension Navarch_V1_CommandKind {
    public init(_ kind: NodeCommand.Kind) {
        switch kind {
        case .cordon: self = .cordon
        case .drain: self = .drain
        case .uncordon: self = .uncordon
        case .terminate: self = .terminate
        case .runDiagnostic: self = .runDiagnostic
        case .resetGPU: self = .resetGpu
        case .reboot: self = .reboot
        }
    }

    public var domain: NodeCommand.Kind? {
        switch self {
        case .cordon: .cordon
        case .drain: .drain
        case .uncordon: .uncordon
        case .terminate: .terminate
        case .runDiagnostic: .runDiagnostic
        case .resetGpu: .resetGPU
        case .reboot: .reboot
        default: nil
        }
    }
}
