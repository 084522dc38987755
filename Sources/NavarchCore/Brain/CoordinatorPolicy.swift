/// What the brain needs to know of the coordinator: its name and what a drain timeout does.
public struct CoordinatorPolicy: Sendable, Equatable {
    public var name: String
    /// Hold the node draining when the scheduler does not drain it in time (else proceed).
    public var holdOnDrainTimeout: Bool

    public init(name: String, holdOnDrainTimeout: Bool = false) {
        self.name = name
        self.holdOnDrainTimeout = holdOnDrainTimeout
    }
}
