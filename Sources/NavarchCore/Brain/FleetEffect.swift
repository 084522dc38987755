/// What the fleet brain asks the control plane to do once an input's records are stored.
/// Provider calls are effects too, handed to the reconciler as ``ProviderOperation``s.
public enum FleetEffect: Sendable, Equatable {
    /// Hand the command to the node's command stream (it is stored already; a node not
    /// connected gets it when it connects).
    case deliver(NodeCommand)
    /// Tell the workload scheduler (its answer comes back as an input).
    case coordinate(CoordinatorJob)
    /// Say something in the control plane's log.
    case log(FleetLog)
}

/// Work for the workload-scheduler coordinator, done off the fleet by the coordinator service.
public enum CoordinatorJob: Sendable, Equatable {
    case cordon(CoordinatedNode, reason: String)
    case uncordon(CoordinatedNode)
    case drain(CoordinatedNode, reason: String)
}

/// A line for the control plane's log, from a decision that is not an event (a failed
/// extension, a decision that could not be taken for one node of many).
public struct FleetLog: Sendable, Equatable {
    public enum Level: String, Sendable, Equatable { case debug, info, warning, error }
    public var level: Level
    public var message: String
    public var metadata: [String: String]

    public init(_ level: Level, _ message: String, _ metadata: [String: String] = [:]) {
        self.level = level
        self.message = message
        self.metadata = metadata
    }
}

/// One provider call the reconciler runs outside the brain; its outcome comes back as an input.
public enum ProviderOperation: Sendable {
    case provision(ProvisionRequest, provider: String)
    case terminate(ProvisionedInstance, provider: String, instanceID: String)

    public var instanceID: String {
        switch self {
        case .provision(let request, _): request.instanceID
        case .terminate(_, _, let instanceID): instanceID
        }
    }
}
