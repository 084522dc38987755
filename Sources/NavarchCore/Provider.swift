/// What the control plane asks a provider for: one machine for a pool.
public struct ProvisionRequest: Sendable, Equatable {
    /// Navarch's id for the instance; also the idempotency token, so a retry never buys twice.
    public var instanceID: String
    /// The node id the agent on the machine registers as.
    public var nodeID: String
    public var pool: String
    public var instanceType: InstanceType
    /// Where the agent reaches the control plane, `host:port`.
    public var controlPlaneAddress: String
    /// cloud-init user data that installs and starts the agent; empty for the local provider.
    public var userData: String
    /// Spot (preemptible) capacity instead of on-demand.
    public var spot: Bool
    /// Whether the machine must join the pool's cluster placement group (or policy).
    public var placement: PoolOptions.Placement
    /// A spot request without capacity may be made again on-demand at the same provider.
    public var onDemandFallback: Bool
    /// The zones (Lambda: regions) the pool allows, in order of preference; empty for the
    /// provider's own list.
    public var zones: [String] = []
    /// The single-use token the machine's agent joins with (set by the control plane as the
    /// call leaves it; a secret: never logged).
    public var joinToken: String = ""
    /// The PEM certificate of the CA the agent trusts the control plane by; empty for plaintext.
    public var caCertificatePEM: String = ""

    public init(
        instanceID: String, nodeID: String, pool: String, instanceType: InstanceType, controlPlaneAddress: String,
        userData: String = "", spot: Bool = false, placement: PoolOptions.Placement = .none
    ) {
        self.instanceID = instanceID
        self.nodeID = nodeID
        self.pool = pool
        self.instanceType = instanceType
        self.controlPlaneAddress = controlPlaneAddress
        self.userData = userData
        self.spot = spot
        self.placement = placement
        self.onDemandFallback = false
    }
}

/// A machine as a provider reports it.
public struct ProvisionedInstance: Sendable, Equatable {
    public var instanceID: String
    public var providerInstanceID: String
    public var nodeID: String
    public var pool: String
    /// False once the provider knows the machine is gone.
    public var isAlive: Bool
    /// The address to reach it at (public where it has one); empty until known.
    public var address: String
    /// The zone it runs in, where the provider has zones.
    public var zone: String

    public init(
        instanceID: String, providerInstanceID: String, nodeID: String, pool: String, isAlive: Bool = true,
        address: String = "", zone: String = ""
    ) {
        self.instanceID = instanceID
        self.providerInstanceID = providerInstanceID
        self.nodeID = nodeID
        self.pool = pool
        self.isAlive = isAlive
        self.address = address
        self.zone = zone
    }
}

/// Abstracts one cloud's (or the local machine's) provisioning operations.
public protocol Provider: Sendable {
    /// The name pools refer to, such as `local`, `aws`, `gcp`.
    var name: String { get }
    /// True for clouds: their machines install the agent from the user data the control plane
    /// renders, and join with a single-use token.
    var bootstrapsAgent: Bool { get }
    /// The cloud whose spot-interruption notices the agent watches (`aws`, `gcp`, `azure`); nil for none.
    var spotNotices: String? { get }
    /// Whether it can supply spot capacity.
    var supportsSpot: Bool { get }
    /// Whether it can place a pool's machines as a cluster (a placement group is configured).
    var supportsClusterPlacement: Bool { get }
    /// The GPU types this provider can supply.
    func offers(_ type: InstanceType) -> Bool
    /// Starts a machine. Calling it again with the same `instanceID` must not start a second one.
    func provision(_ request: ProvisionRequest) async throws -> ProvisionedInstance
    /// Stops the machine and releases it. Terminating an instance that is already gone succeeds.
    func terminate(_ instance: ProvisionedInstance) async throws
    /// Every machine this provider runs for Navarch.
    func list() async throws -> [ProvisionedInstance]
}

extension Provider {
    public var bootstrapsAgent: Bool { false }
    public var spotNotices: String? { nil }
    public var supportsSpot: Bool { false }
    public var supportsClusterPlacement: Bool { false }
    public func offers(_ type: InstanceType) -> Bool { true }
}
