/// How many provider calls the control plane makes per minute, per provider and per pool
/// (`rate_limits.*` in navarch.yaml). Calls over a limit wait for the next minute's tokens;
/// nothing is dropped.
public struct RateLimits: Sendable, Equatable {
    /// Instances provisioned per minute at one provider. Default 60.
    public var provisionsPerProvider: Int
    /// Instances terminated per minute at one provider. Default 60.
    public var terminationsPerProvider: Int
    /// Instances provisioned per minute for one pool. Default 20.
    public var provisionsPerPool: Int
    /// Instances terminated per minute for one pool. Default 20.
    public var terminationsPerPool: Int

    public init(provisionsPerProvider: Int = 60, terminationsPerProvider: Int = 60, provisionsPerPool: Int = 20, terminationsPerPool: Int = 20) {
        self.provisionsPerProvider = provisionsPerProvider
        self.terminationsPerProvider = terminationsPerProvider
        self.provisionsPerPool = provisionsPerPool
        self.terminationsPerPool = terminationsPerPool
    }
}
