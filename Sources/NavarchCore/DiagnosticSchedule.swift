/// A recurring active diagnostic for a pool, from `diagnostics.schedules` in navarch.yaml.
public struct DiagnosticSchedule: Sendable, Equatable, Codable {
    /// The suites an agent can run: DCGM's diagnostic (and a burn test where installed), and the
    /// fabric checks.
    public static let suites = ["dcgm", "nvbandwidth", "nccl"]

    public var pool: String
    /// `dcgm`, `nvbandwidth` or `nccl`.
    public var suite: String
    /// DCGM level, 1 to 4.
    public var level: Int
    /// How often each node of the pool runs it.
    public var every: Duration
    /// Nodes of the pool out of service for diagnostics at once.
    public var maxConcurrent: Int

    public init(pool: String, suite: String = "dcgm", level: Int = 1, every: Duration, maxConcurrent: Int = 1) {
        self.pool = pool
        self.suite = suite
        self.level = level
        self.every = every
        self.maxConcurrent = maxConcurrent
    }
}
