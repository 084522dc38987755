import Foundation

/// Admits provider calls within the rate limits, a pure state machine: each call needs a token
/// of its provider's limit and of its pool's, for its kind (provision or terminate). A call over
/// a limit is deferred, never dropped: its instance stays requested (or terminating) and is
/// asked for again when ``nextToken(at:)`` comes. Each wait is announced once.
public struct ProviderCallAdmission: Sendable, Equatable {
    public enum Operation: String, Sendable, Equatable, Comparable {
        case provision, terminate

        public static func < (lhs: Operation, rhs: Operation) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// One provider call the control plane wants to make.
    public struct Call: Sendable, Equatable {
        public var instanceID: String
        public var provider: String
        public var pool: String
        public var operation: Operation

        public init(instanceID: String, provider: String, pool: String, operation: Operation) {
            self.instanceID = instanceID
            self.provider = provider
            self.pool = pool
            self.operation = operation
        }
    }

    /// Calls of one pool, provider and kind that began to wait.
    public struct Deferral: Sendable, Equatable {
        public var pool: String
        public var provider: String
        public var operation: Operation
        public var count: Int
        /// The limits it waits for, for its message.
        public var limit: String

        public init(pool: String, provider: String, operation: Operation, count: Int, limit: String) {
            self.pool = pool
            self.provider = provider
            self.operation = operation
            self.count = count
            self.limit = limit
        }
    }

    private struct Key: Hashable, Comparable {
        var pool: String
        var provider: String
        var operation: Operation

        static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.pool, lhs.provider, lhs.operation) < (rhs.pool, rhs.provider, rhs.operation)
        }
    }

    public let limits: RateLimits
    private var provisionsByProvider: RateLimiter
    private var terminationsByProvider: RateLimiter
    private var provisionsByPool: RateLimiter
    private var terminationsByPool: RateLimiter
    /// Waits already announced; cleared once a pass defers nothing.
    private var waiting: Set<Key> = []

    public init(limits: RateLimits = RateLimits()) {
        self.limits = limits
        provisionsByProvider = RateLimiter(perMinute: limits.provisionsPerProvider)
        terminationsByProvider = RateLimiter(perMinute: limits.terminationsPerProvider)
        provisionsByPool = RateLimiter(perMinute: limits.provisionsPerPool)
        terminationsByPool = RateLimiter(perMinute: limits.terminationsPerPool)
    }

    /// The calls that may go now, in the order given, and the waits that began with this pass.
    public mutating func admit(_ calls: [Call], at now: Date) -> (admitted: [Call], deferred: [Deferral]) {
        var admitted: [Call] = []
        var deferred: [Key: Int] = [:]
        for call in calls {
            let provision = call.operation == .provision
            let byProvider = provision ? provisionsByProvider : terminationsByProvider
            let byPool = provision ? provisionsByPool : terminationsByPool
            guard byProvider.allows(call.provider, at: now) && byPool.allows(call.pool, at: now) else {
                deferred[Key(pool: call.pool, provider: call.provider, operation: call.operation), default: 0] += 1
                continue
            }
            if provision {
                provisionsByProvider.take(call.provider, at: now)
                provisionsByPool.take(call.pool, at: now)
            } else {
                terminationsByProvider.take(call.provider, at: now)
                terminationsByPool.take(call.pool, at: now)
            }
            admitted.append(call)
        }
        var announced: [Deferral] = []
        for (key, count) in deferred.sorted(by: { $0.key < $1.key }) where waiting.insert(key).inserted {
            let limit = key.operation == .provision
                ? "\(limits.provisionsPerProvider)/min per provider, \(limits.provisionsPerPool)/min per pool"
                : "\(limits.terminationsPerProvider)/min per provider, \(limits.terminationsPerPool)/min per pool"
            announced.append(Deferral(pool: key.pool, provider: key.provider, operation: key.operation, count: count, limit: limit))
        }
        if deferred.isEmpty { waiting.removeAll() }
        return (admitted, announced)
    }

    /// When a waiting call has a token of both its limits again; nil when nothing waits.
    public func nextToken(at now: Date) -> Date? {
        waiting.map { key in
            let provision = key.operation == .provision
            let byProvider = (provision ? provisionsByProvider : terminationsByProvider).nextToken(key.provider, at: now)
            let byPool = (provision ? provisionsByPool : terminationsByPool).nextToken(key.pool, at: now)
            return max(byProvider, byPool, now.addingTimeInterval(0.001))
        }.min()
    }
}
