import Foundation

/// A machine bought from (or started by) a provider for a pool.
public struct Instance: Sendable, Codable, Equatable, Identifiable {
    public var id: String
    public var pool: String
    public var provider: String
    /// The provider's own id for the machine: an EC2 instance id, a local process id, ...
    public var providerInstanceID: String
    public var state: InstanceState
    /// The node id the agent on this instance registers as.
    public var nodeID: String
    public var instanceType: String
    public var createdAt: Date
    public var updatedAt: Date
    public var failureReason: String
    /// On a replacement: the instance it replaces.
    public var replacesInstanceID: String
    /// Remediation decided this instance must be replaced.
    public var condemned: Bool
    public var condemnedReason: String
    public var condemnedAt: Date?

    public init(
        id: String, pool: String, provider: String, providerInstanceID: String = "",
        state: InstanceState = .requested, nodeID: String, instanceType: String,
        createdAt: Date, updatedAt: Date? = nil, failureReason: String = "",
        replacesInstanceID: String = "", condemned: Bool = false, condemnedReason: String = "",
        condemnedAt: Date? = nil
    ) {
        self.id = id
        self.pool = pool
        self.provider = provider
        self.providerInstanceID = providerInstanceID
        self.state = state
        self.nodeID = nodeID
        self.instanceType = instanceType
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.failureReason = failureReason
        self.replacesInstanceID = replacesInstanceID
        self.condemned = condemned
        self.condemnedReason = condemnedReason
        self.condemnedAt = condemnedAt
    }
}
