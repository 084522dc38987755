/// The outcome of a check: a boot check, a DCGM health watch, a diagnostic or fabric test.
public enum CheckStatus: String, Sendable, Codable, CaseIterable, Comparable {
    case pass
    /// The check could not run here (a tool or library is missing); never a failure.
    case skip
    case warn
    case fail

    var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: CheckStatus, rhs: CheckStatus) -> Bool { lhs.rank < rhs.rank }
}
