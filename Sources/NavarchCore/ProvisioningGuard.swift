import Foundation

/// Keeps a pool from buying machines forever when they never come up, a pure state machine.
///
/// Every failed instance of a pool (a provision error, or a machine that did not register in
/// time) doubles the pool's pause before it provisions again, from `baseBackoff` up to
/// `maxBackoff`. After `breakerAfter` consecutive machines that never registered (an image
/// without the agent or the driver, machines that cannot reach the control plane, an agent
/// download refused) the pool's provisioning breaker opens: nothing more is bought for the pool
/// until an operator resets it. While a pool has unregistered failures, it has at most as many
/// machines coming up as it may still lose before the breaker opens, so a pool whose machines
/// never register buys at most `max(its size, breakerAfter)` of them. One registration clears
/// the count.
public struct ProvisioningGuard: Sendable, Equatable {
    public struct Settings: Sendable, Equatable {
        /// The pause after the first failure. Default 5 s.
        public var baseBackoff: Duration
        /// The longest pause. Default 30 min.
        public var maxBackoff: Duration
        /// Consecutive machines that never registered before the breaker opens; 0 never opens it. Default 3.
        public var breakerAfter: Int

        public init(baseBackoff: Duration = .seconds(5), maxBackoff: Duration = .seconds(1800), breakerAfter: Int = 3) {
            self.baseBackoff = baseBackoff
            self.maxBackoff = maxBackoff
            self.breakerAfter = breakerAfter
        }
    }

    /// One pool's record.
    public struct PoolRecord: Sendable, Equatable, Codable {
        /// Failed instances in a row (provision errors and registrations missed).
        public var consecutiveFailures = 0
        /// Of those, the machines that were bought and never registered.
        public var neverRegistered = 0
        public var lastFailureAt: Date?
        public var lastFailure = ""
        /// Set when the breaker is open.
        public var openedAt: Date?
        public var openReason = ""

        public init() {}
    }

    /// What a pool may provision now.
    public struct Allowance: Sendable, Equatable {
        /// Nothing is bought before this time.
        public var notBefore: Date?
        /// At most this many of the pool's machines may be coming up at once; nil: no limit.
        public var maxUnregistered: Int?
        /// The breaker is open: nothing is bought.
        public var stopped: Bool

        public init(notBefore: Date? = nil, maxUnregistered: Int? = nil, stopped: Bool = false) {
            self.notBefore = notBefore
            self.maxUnregistered = maxUnregistered
            self.stopped = stopped
        }

        /// No limit at all.
        public static let unlimited = Allowance()
    }

    public var settings: Settings
    public private(set) var pools: [String: PoolRecord]

    public init(settings: Settings = Settings(), pools: [String: PoolRecord] = [:]) {
        self.settings = settings
        self.pools = pools
    }

    /// The pause after `failures` failures in a row: `baseBackoff` doubled for each one after
    /// the first, at most `maxBackoff`.
    public func backoff(afterFailures failures: Int) -> TimeInterval {
        guard failures > 0 else { return 0 }
        let base = settings.baseBackoff.timeInterval
        let cap = max(settings.maxBackoff.timeInterval, base)
        let doublings = min(failures - 1, 62)
        return min(base * pow(2, Double(doublings)), cap)
    }

    /// What `pool` may provision now.
    public func allowance(pool: String) -> Allowance {
        guard let record = pools[pool] else { return .unlimited }
        if record.openedAt != nil { return Allowance(stopped: true) }
        var allowance = Allowance()
        if let last = record.lastFailureAt {
            allowance.notBefore = last.addingTimeInterval(backoff(afterFailures: record.consecutiveFailures))
        }
        if settings.breakerAfter > 0 && record.neverRegistered > 0 {
            allowance.maxUnregistered = max(settings.breakerAfter - record.neverRegistered, 0)
        }
        return allowance
    }

    /// Whether the pool's provisioning breaker is open.
    public func isOpen(pool: String) -> Bool { pools[pool]?.openedAt != nil }

    /// An instance of `pool` failed. `neverRegistered` says the machine was bought and its agent
    /// never registered. Returns the reason when this opened the pool's breaker.
    public mutating func instanceFailed(pool: String, neverRegistered: Bool, reason: String, at now: Date) -> String? {
        var record = pools[pool] ?? PoolRecord()
        record.consecutiveFailures += 1
        if neverRegistered { record.neverRegistered += 1 }
        record.lastFailureAt = now
        record.lastFailure = reason
        var opened: String?
        if record.openedAt == nil, settings.breakerAfter > 0, record.neverRegistered >= settings.breakerAfter {
            record.openedAt = now
            record.openReason = "\(record.neverRegistered) machine(s) of pool \(pool) in a row never registered (last: \(reason))"
            opened = record.openReason
        }
        pools[pool] = record
        return opened
    }

    /// A machine of `pool` registered: the pool's machines can come up, the count starts again.
    /// An open breaker stays open until an operator resets it.
    public mutating func registered(pool: String) {
        guard var record = pools[pool] else { return }
        guard record.openedAt == nil else {
            record.consecutiveFailures = 0
            record.neverRegistered = 0
            pools[pool] = record
            return
        }
        pools[pool] = nil
    }

    /// An operator reset the breaker (or the pool was deleted). Returns the record it had.
    @discardableResult
    public mutating func reset(pool: String) -> PoolRecord? {
        pools.removeValue(forKey: pool)
    }
}
