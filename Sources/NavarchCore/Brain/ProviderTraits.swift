/// What the fleet brain needs to know of a configured provider: what it offers and can do,
/// never its calls (those are effects the executor runs).
public struct ProviderTraits: Sendable, Equatable {
    public var name: String
    public var bootstrapsAgent: Bool
    public var spotNotices: String?
    public var supportsSpot: Bool
    public var supportsClusterPlacement: Bool
    /// Names of the catalog's instance types the provider offers.
    public var offeredTypes: Set<String>

    public init(
        name: String, bootstrapsAgent: Bool = false, spotNotices: String? = nil, supportsSpot: Bool = false,
        supportsClusterPlacement: Bool = false, offeredTypes: Set<String> = Set(InstanceTypeCatalog.all.map(\.name))
    ) {
        self.name = name
        self.bootstrapsAgent = bootstrapsAgent
        self.spotNotices = spotNotices
        self.supportsSpot = supportsSpot
        self.supportsClusterPlacement = supportsClusterPlacement
        self.offeredTypes = offeredTypes
    }

    /// The traits of `provider`, its offers read from the instance-type catalog.
    public init(_ provider: any Provider) {
        self.init(
            name: provider.name, bootstrapsAgent: provider.bootstrapsAgent, spotNotices: provider.spotNotices,
            supportsSpot: provider.supportsSpot, supportsClusterPlacement: provider.supportsClusterPlacement,
            offeredTypes: Set(InstanceTypeCatalog.all.filter(provider.offers).map(\.name)))
    }

    public func offers(_ type: InstanceType) -> Bool { offeredTypes.contains(type.name) }
}
