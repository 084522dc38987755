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

/// What a scheduler is told of the fleet when it scores a pool's options: enough to decide
/// without keeping state of its own, so that the same fleet always gets the same choice.
public struct SchedulingContext: Sendable, Equatable {
    /// The pool the machine is for.
    public var pool: String
    /// The pool's live instances per provider.
    public var instancesByProvider: [String: Int]

    public init(pool: String = "", instancesByProvider: [String: Int] = [:]) {
        self.pool = pool
        self.instancesByProvider = instancesByProvider
    }
}

/// Scores provisioning options. Higher scores are preferred; ties keep the given order. A pure,
/// synchronous decision over the option and the context it is given: no I/O, no clock, no
/// state kept between calls (what a cost model needs, such as prices, it holds as values).
public protocol Scheduler: Sendable {
    func score(_ option: ProvisionOption, context: SchedulingContext) throws -> Double
}

extension Scheduler {
    /// The best option by score, the first one on ties; `nil` when there are none.
    public func choose(from options: [ProvisionOption], context: SchedulingContext = SchedulingContext()) throws -> ProvisionOption? {
        var best: (option: ProvisionOption, score: Double)?
        for option in options {
            let score = try score(option, context: context)
            if best == nil || score > best!.score { best = (option, score) }
        }
        return best?.option
    }
}

/// The built-in scheduler: no preference, so the first available option wins.
public struct FirstAvailable: Scheduler {
    public init() {}
    public func score(_ option: ProvisionOption, context: SchedulingContext) throws -> Double { 0 }
}
