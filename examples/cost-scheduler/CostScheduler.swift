import NavarchCore

/// A custom `Scheduler`: the cheapest GPU-hour wins, but a provider more than `maximumHourlyPerGPU`
/// is never chosen, and providers the team has a commitment with get a discount first.
///
/// Register it when assembling a control plane:
///
/// ```swift
/// try await ControlPlane(configuration: configuration, store: store)
///     .with(provider: ec2)
///     .with(provider: lambda)
///     .with(scheduler: CostScheduler(discounts: ["aws": 0.30], maximumHourlyPerGPU: 5))
///     .run()
/// ```
public struct CostScheduler: Scheduler {
    public var catalog: OfferingCatalog
    /// Fraction off the list price per provider (a savings plan, a committed-use discount).
    public var discounts: [String: Double]
    public var maximumHourlyPerGPU: Double

    public init(catalog: OfferingCatalog = .builtin, discounts: [String: Double] = [:], maximumHourlyPerGPU: Double = .infinity) {
        self.catalog = catalog
        self.discounts = discounts
        self.maximumHourlyPerGPU = maximumHourlyPerGPU
    }

    /// The effective price per GPU-hour, or `nil` when the provider has no price for the type.
    public func effectivePrice(_ option: ProvisionOption) -> Double? {
        guard let list = catalog.machine(provider: option.provider, for: option.instanceType)?.hourlyPerGPU(spot: false) else { return nil }
        return list * (1 - (discounts[option.provider] ?? 0))
    }

    public func score(_ option: ProvisionOption, context: SchedulingContext) throws -> Double {
        guard let price = effectivePrice(option), price <= maximumHourlyPerGPU else { return -Double.greatestFiniteMagnitude }
        return -price
    }
}
