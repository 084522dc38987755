import Foundation

/// A machine running the node agent, as the control plane knows it.
public struct Node: Sendable, Codable, Equatable, Identifiable {
    public var id: String
    public var pool: String
    public var instanceID: String
    public var provider: String
    public var state: NodeState
    public var health: HealthStatus
    public var healthReason: String
    public var cordonReason: String
    public var gpus: [GPU]
    public var hostname: String
    public var agentVersion: String
    public var registeredAt: Date
    /// Last heartbeat seen by this control plane process; `nil` before the first one.
    public var lastHeartbeat: Date?
    public var labels: [String: String]
    /// When each diagnostic suite last started on this node (`dcgm`, `nvbandwidth`, `nccl`).
    public var lastDiagnostics: [String: Date]?
    /// The node's remediation ladder: history, a repair under way, a remediation waiting.
    public var remediation: NodeRemediation?

    public init(
        id: String, pool: String, instanceID: String, provider: String,
        state: NodeState = .active, health: HealthStatus = .unknown, healthReason: String = "",
        cordonReason: String = "", gpus: [GPU] = [], hostname: String = "", agentVersion: String = "",
        registeredAt: Date, lastHeartbeat: Date? = nil, labels: [String: String] = [:]
    ) {
        self.id = id
        self.pool = pool
        self.instanceID = instanceID
        self.provider = provider
        self.state = state
        self.health = health
        self.healthReason = healthReason
        self.cordonReason = cordonReason
        self.gpus = gpus
        self.hostname = hostname
        self.agentVersion = agentVersion
        self.registeredAt = registeredAt
        self.lastHeartbeat = lastHeartbeat
        self.labels = labels
    }
}
