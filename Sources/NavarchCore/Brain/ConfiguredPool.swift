/// A pool as the configuration file defines it, as the brain applies it: created when it does
/// not exist, its bounds, labels, zones, strategy and autoscaler kept up to date when it does.
public struct ConfiguredPool: Sendable, Equatable {
    public var name: String
    /// One provider or several in order of preference (`aws,lambda`); empty for the default.
    public var provider: String
    public var gpuType: String
    /// GPUs wanted at creation; 0 to start at `minNodes`.
    public var gpus: Int
    public var minNodes: Int
    public var maxNodes: Int
    public var labels: [String: String]
    public var options: PoolOptions
    public var autoscaling: PoolAutoscaling?
    public var zones: [String]
    public var strategy: ProvisioningStrategy?

    public init(
        name: String, provider: String = "", gpuType: String, gpus: Int = 0, minNodes: Int = 0, maxNodes: Int = 0,
        labels: [String: String] = [:], options: PoolOptions = PoolOptions(), autoscaling: PoolAutoscaling? = nil, zones: [String] = [],
        strategy: ProvisioningStrategy? = nil
    ) {
        self.name = name
        self.provider = provider
        self.gpuType = gpuType
        self.gpus = gpus
        self.minNodes = minNodes
        self.maxNodes = maxNodes
        self.labels = labels
        self.options = options
        self.autoscaling = autoscaling
        self.zones = zones
        self.strategy = strategy
    }
}
