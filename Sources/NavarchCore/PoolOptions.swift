/// How a pool's machines are bought and placed: spot or on-demand, and whether they must sit
/// close together for a fast interconnect between them.
public struct PoolOptions: Sendable, Codable, Equatable {
    /// What a spot pool does when its provider has no spot capacity.
    public enum SpotFallback: String, Sendable, Codable, CaseIterable {
        /// Fail over to the pool's next provider, as any capacity error does.
        case none = ""
        /// Ask the same provider for on-demand capacity first.
        case onDemand = "on-demand"
    }

    /// Where a pool's machines go relative to each other.
    public enum Placement: String, Sendable, Codable, CaseIterable {
        case none = ""
        /// One AWS cluster placement group, GCP compact placement policy or Azure proximity
        /// placement group.
        case cluster
    }

    public var spot: Bool
    public var spotFallback: SpotFallback
    public var placement: Placement

    public init(spot: Bool = false, spotFallback: SpotFallback = .none, placement: Placement = .none) {
        self.spot = spot
        self.spotFallback = spotFallback
        self.placement = placement
    }

    /// Options from their text form (`on-demand`, `cluster`; empty or `none` for none), naming
    /// what is wrong.
    public init(spot: Bool, spotFallback: String, placement: String) throws(NavarchError) {
        let fallback = spotFallback == "none" ? "" : spotFallback
        guard let parsedFallback = SpotFallback(rawValue: fallback) else {
            throw .invalidArgument("spot_fallback must be 'on-demand' or 'none', got '\(spotFallback)'")
        }
        let place = placement == "none" ? "" : placement
        guard let parsedPlacement = Placement(rawValue: place) else {
            throw .invalidArgument("placement must be 'cluster' or 'none', got '\(placement)'")
        }
        guard spot || parsedFallback == .none else {
            throw .invalidArgument("spot_fallback '\(spotFallback)' needs spot: true")
        }
        self.init(spot: spot, spotFallback: parsedFallback, placement: parsedPlacement)
    }

    /// `spot, fallback on-demand, placement cluster`; empty for the defaults.
    public var summary: String {
        var parts: [String] = []
        if spot { parts.append(spotFallback == .onDemand ? "spot (falls back to on-demand)" : "spot") }
        if placement == .cluster { parts.append("cluster placement") }
        return parts.joined(separator: ", ")
    }
}
