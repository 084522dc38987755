/// What a token's holder may do. Each role can do everything the roles before it can.
public enum Role: String, Codable, Sendable, CaseIterable, Comparable {
    /// Reads: nodes, pools, instances, events, the health policy.
    case viewer
    /// Acts on nodes without spending money: cordon, drain, uncordon, diagnostics, breaker resets.
    case `operator`
    /// Everything, pools (that is, money) and tokens included.
    case admin

    private var rank: Int { Role.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}
