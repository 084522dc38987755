import NavarchCore
import NavarchHealth

/// A pool as navarch.yaml defines it (`pools.<name>`): created when `serve` starts if it does
/// not exist, its bounds, labels and autoscaler kept up to date if it does. Its fields are
/// those of ``ConfiguredPool`` (read and written through it), and its nodes' health policy.
@dynamicMemberLookup
public struct PoolDefinition: Sendable, Equatable {
    /// What the fleet brain applies.
    public var configured: ConfiguredPool
    /// The health policy of the pool's nodes (`pools.<name>.health`, over the file's `health`);
    /// nil for the control plane's.
    public var healthPolicy: HealthPolicy?

    public init(
        name: String, provider: String = "", gpuType: String, gpus: Int = 0, minNodes: Int = 0, maxNodes: Int = 0,
        labels: [String: String] = [:], options: PoolOptions = PoolOptions(), autoscaling: PoolAutoscaling? = nil
    ) {
        configured = ConfiguredPool(
            name: name, provider: provider, gpuType: gpuType, gpus: gpus, minNodes: minNodes, maxNodes: maxNodes, labels: labels,
            options: options, autoscaling: autoscaling)
    }

    public subscript<Value>(dynamicMember field: WritableKeyPath<ConfiguredPool, Value>) -> Value {
        get { configured[keyPath: field] }
        set { configured[keyPath: field] = newValue }
    }
}
