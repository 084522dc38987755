/// The outcome of a health check.
public struct HealthResult: Sendable, Equatable {
    public var status: HealthStatus
    public var reason: String
    public var observations: [HealthObservation]

    public init(status: HealthStatus, reason: String = "", observations: [HealthObservation] = []) {
        self.status = status
        self.reason = reason
        self.observations = observations
    }
}

/// A diagnostic that returns a node's health.
public protocol HealthCheck: Sendable {
    var name: String { get }
    func run(on node: Node) async throws -> HealthResult
    /// How often the check runs; `.zero` for a boot-only check.
    var interval: Duration { get }
}
