/// What a simulated provider was asked and how it answered.
public struct ProviderCalls: Sendable, Codable, Equatable {
    public var provisions = 0
    public var terminations = 0
    /// Calls answered 429.
    public var throttled = 0
    /// Calls answered 500.
    public var serverErrors = 0
    public var capacityErrors = 0
    /// Spot machines it took back.
    public var preemptions = 0

    public init() {}

    public var errors: Int { throttled + serverErrors + capacityErrors }
}
