import NavarchCore
import NavarchHealth

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
    /// Zones (Lambda: regions) the pool's machines go to; empty for each provider's own.
    public var zones: [String] = []
    /// How the pool picks among its providers; nil for `provisioning.strategy`.
    public var strategy: ProvisioningStrategy?
    /// The health policy of the pool's nodes (`pools.<name>.health`, over the file's `health`);
    /// nil for the control plane's.
    public var healthPolicy: HealthPolicy?

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
