/// Prefers providers in the order given (the pool's own order when empty).
public struct PriorityScheduler: Scheduler {
    public var order: [String]
    public init(order: [String] = []) { self.order = order }
    public func score(_ option: ProvisionOption, context: SchedulingContext) throws -> Double {
        guard let index = order.firstIndex(of: option.provider) else { return order.isEmpty ? 0 : -Double(order.count) }
        return -Double(index)
    }
}

/// Prefers the lowest price per GPU-hour in the offering catalog (spot prices when `spot`).
/// A provider without a price for the type comes last.
public struct CheapestScheduler: Scheduler {
    public var catalog: OfferingCatalog
    public var spot: Bool
    public init(catalog: OfferingCatalog = .builtin, spot: Bool = false) {
        self.catalog = catalog
        self.spot = spot
    }
    public func score(_ option: ProvisionOption, context: SchedulingContext) throws -> Double {
        guard let price = catalog.machine(provider: option.provider, for: option.instanceType)?.hourlyPerGPU(spot: spot) else {
            return -Double.greatestFiniteMagnitude
        }
        return -price
    }
}

/// Spreads a pool's instances over its providers: the provider with the fewest live instances
/// of the pool wins, ties in pool order. It counts what the fleet has, not what it chose
/// before, so it keeps no state and a restart changes nothing.
public struct RoundRobinScheduler: Scheduler {
    public init() {}
    public func score(_ option: ProvisionOption, context: SchedulingContext) throws -> Double {
        -Double(context.instancesByProvider[option.provider, default: 0])
    }
}

/// The provisioning strategies `provisioning.strategy` names. Availability is not a scheduler
/// of its own: under every strategy a provider that just reported no capacity for a pool is
/// passed over until `capacity_retry_after`.
public enum ProvisioningStrategy: String, Sendable, CaseIterable, Codable {
    case priority, cost, availability
    case roundRobin = "round-robin"

    public func makeScheduler(catalog: OfferingCatalog = .builtin) -> any Scheduler {
        switch self {
        case .priority, .availability: PriorityScheduler()
        case .cost: CheapestScheduler(catalog: catalog)
        case .roundRobin: RoundRobinScheduler()
        }
    }
}
