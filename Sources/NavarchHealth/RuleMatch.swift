/// What a health rule matches: an event kind, its codes or buckets or thresholds, and how many
/// occurrences within which window on which scope.
public struct RuleMatch: Sendable, Equatable {
    /// The kind of signal a rule looks at.
    public enum Event: String, Sendable, CaseIterable {
        /// A GPU XID, from the kernel log or NVML.
        case xid
        /// An NVSwitch SXid.
        case sxid
        /// A GPU metric sampled by the agent (temperature, ECC counts, row remaps, NVLink, PCIe).
        case metric
        /// The result of a check: a boot check, DCGM health, a diagnostic.
        case check
    }

    /// Whether occurrences are counted per GPU or for the whole node.
    public enum Scope: String, Sendable, CaseIterable {
        case gpu
        case node
    }

    public var event: Event
    /// XID or SXid codes. For XIDs, a rule naming a code wins over rules matching its bucket.
    public var codes: Set<Int> = []
    /// XID resolution buckets (NVIDIA's immediate action), for rules that follow the catalog.
    public var buckets: Set<ResolutionBucket> = []
    /// SXid severity: `true` for fatal, `false` for non-fatal, `nil` for either.
    public var fatal: Bool? = nil
    /// Metric name, for `event: metric`.
    public var metric: String? = nil
    /// The metric fires strictly above this value.
    public var above: Double? = nil
    /// The metric fires strictly below this value.
    public var below: Double? = nil
    /// Check names, for `event: check`; empty means any check.
    public var checks: Set<String> = []
    /// The check outcome that fires the rule.
    public var checkStatus: CheckStatus = .fail
    /// Occurrences needed within `window` before the rule fires.
    public var count: Int = 1
    public var window: Duration = .seconds(24 * 3600)
    public var scope: Scope = .gpu

    public init(event: Event) {
        self.event = event
    }

    /// Whether a metric value crosses this rule's threshold.
    public func crosses(_ value: Double) -> Bool {
        if let above, value > above { return true }
        if let below, value < below { return true }
        return false
    }
}
