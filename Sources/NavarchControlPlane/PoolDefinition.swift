import NavarchCore

/// A pool as navarch.yaml defines it (`pools.<name>`): created when `serve` starts if it does
/// not exist, its bounds, labels and autoscaler kept up to date if it does.
public struct PoolDefinition: Sendable, Equatable {
    public var name: String
    /// One provider or several in order of preference (`aws,lambda`); empty for the default.
    public var provider: String
    /// Instance type or abstract GPU (`h100`, `a100-80gb`).
    public var gpuType: String
    /// GPUs wanted at creation; 0 to start at `minNodes`.
    public var gpus: Int
    public var minNodes: Int
    public var maxNodes: Int
    public var labels: [String: String]
    public var options: PoolOptions
    public var autoscaling: PoolAutoscaling?

    public init(
        name: String, provider: String = "", gpuType: String, gpus: Int = 0, minNodes: Int = 0, maxNodes: Int = 0,
        labels: [String: String] = [:], options: PoolOptions = PoolOptions(), autoscaling: PoolAutoscaling? = nil
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
    }
}
