/// One way to satisfy a provisioning request: a provider and a machine type.
public struct ProvisionOption: Sendable, Equatable {
    public var provider: String
    public var instanceType: InstanceType
    public var region: String

    public init(provider: String, instanceType: InstanceType, region: String = "") {
        self.provider = provider
        self.instanceType = instanceType
        self.region = region
    }
}

/// Scores provisioning options. Higher scores are preferred; ties keep the given order.
public protocol Scheduler: Sendable {
    func score(_ option: ProvisionOption) async throws -> Double
    /// Told which option was chosen (round-robin keeps count). Default: nothing.
    func chose(_ option: ProvisionOption) async
}

extension Scheduler {
    public func chose(_ option: ProvisionOption) async {}

    /// The best option by score, the first one on ties; `nil` when there are none.
    public func choose(from options: [ProvisionOption]) async throws -> ProvisionOption? {
        var best: (option: ProvisionOption, score: Double)?
        for option in options {
            let score = try await score(option)
            if best == nil || score > best!.score { best = (option, score) }
        }
        return best?.option
    }
}

/// The built-in scheduler: no preference, so the first available option wins.
public struct FirstAvailable: Scheduler {
    public init() {}
    public func score(_ option: ProvisionOption) async throws -> Double { 0 }
}
