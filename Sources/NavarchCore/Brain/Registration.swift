/// What a node says when it registers.
public struct Registration: Sendable {
    /// What the control plane found of the join token (it holds the key; the brain decides
    /// whether the registration needed one).
    public enum JoinTokenCheck: Sendable {
        /// No token key is configured, or it was not checked.
        case unchecked
        case valid
        case refused(NavarchError)
    }

    public var nodeID: String
    public var instanceID: String
    public var pool: String
    public var hostname: String
    public var agentVersion: String
    public var gpus: [GPU]
    public var labels: [String: String]
    public var health: HealthStatus
    public var healthReason: String
    /// The join token the node presented (a cloud machine's first registration needs one).
    public var joinToken: String
    public var joinTokenCheck: JoinTokenCheck = .unchecked
    /// Who is registering, as the control plane authenticated the call.
    public var caller: NodeCaller = .agent(credentialHash: nil)
    /// The hash of a fresh credential the control plane minted for this call, which the brain
    /// issues to the node when it has none (first registration, or an admin re-enrolling it).
    public var newCredentialHash: String?

    public init(
        nodeID: String, instanceID: String = "", pool: String = "", hostname: String = "", agentVersion: String = "", gpus: [GPU] = [],
        labels: [String: String] = [:], health: HealthStatus = .healthy, healthReason: String = "", joinToken: String = ""
    ) {
        self.nodeID = nodeID
        self.instanceID = instanceID
        self.pool = pool
        self.hostname = hostname
        self.agentVersion = agentVersion
        self.gpus = gpus
        self.labels = labels
        self.health = health
        self.healthReason = healthReason
        self.joinToken = joinToken
    }
}
