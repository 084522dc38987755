import Foundation

/// Which of a pool's unfinished instances a reconcile pass must look at, and which it only
/// counts, kept as instances change so that a pass over a large pool costs what changed in it.
///
/// An unfinished instance is in one of four places:
/// - *ready*: it runs, is not condemned, never failed and its node is healthy;
/// - *not ready*: it runs, is not condemned and never failed, but its node is not healthy
///   (degraded, under repair, unknown); the node's remediation, not the pool, deals with it;
/// - *waiting*: it is requested (waiting for its provider call, perhaps for a rate limit's
///   token), not condemned and never failed;
/// - *unsteady*: anything else (coming up, under repair, condemned, failed, terminating).
///
/// What ready, not ready and waiting instances replace is kept too: a plan must know that a condemned
/// instance has its replacement without being given the replacement.
public struct PoolMembership: Sendable {
    public enum Place: Sendable, Equatable {
        case ready, notReady, waiting, unsteady
    }

    /// Where an instance belongs, given the health of its node (nil when it has none).
    public static func place(of instance: Instance, nodeHealth: HealthStatus?) -> Place {
        guard !instance.condemned, instance.failureReason.isEmpty else { return .unsteady }
        if instance.state == .running { return nodeHealth == .healthy ? .ready : .notReady }
        if instance.state == .requested { return .waiting }
        return .unsteady
    }

    private var places: [String: Filed] = [:]
    private struct Filed: Equatable {
        var pool: String
        var place: Place
        var replaces: String
    }
    /// Sorted, so that they come in id order without sorting each time.
    private var unsteadyByPool: [String: [String]] = [:]
    private var waitingByPool: [String: [String]] = [:]
    private var readyByPool: [String: Int] = [:]
    private var notReadyByPool: [String: Int] = [:]
    /// The instances that counted ones (all but the unsteady) replace, by pool, with how many replace each.
    private var countedTargetsByPool: [String: [String: Int]] = [:]
    /// Live instances by pool and provider.
    private var live: [String: (pool: String, provider: String)] = [:]
    private var liveByPool: [String: [String: Int]] = [:]

    public init() {}

    /// Files an unfinished instance at `place`, or forgets it (`nil`: terminated or gone).
    public mutating func file(_ instance: Instance, at place: Place?) {
        let filed = place.map { Filed(pool: instance.pool, place: $0, replaces: instance.replacesInstanceID) }
        if let previous = places[instance.id], previous != filed {
            remove(instance.id, previous)
        }
        if let filed, places[instance.id] == nil {
            places[instance.id] = filed
            switch filed.place {
            case .ready: readyByPool[filed.pool, default: 0] += 1
            case .notReady: notReadyByPool[filed.pool, default: 0] += 1
            case .waiting: SortedIDs.insert(instance.id, into: &waitingByPool, key: filed.pool)
            case .unsteady: SortedIDs.insert(instance.id, into: &unsteadyByPool, key: filed.pool)
            }
            if filed.place != .unsteady && !filed.replaces.isEmpty { countedTargetsByPool[filed.pool, default: [:]][filed.replaces, default: 0] += 1 }
        }
        let isLive = place != nil && instance.state.isLive
        if let previous = live[instance.id], !isLive || previous.pool != instance.pool || previous.provider != instance.provider {
            live[instance.id] = nil
            liveByPool[previous.pool]?[previous.provider, default: 0] -= 1
            if liveByPool[previous.pool]?[previous.provider] == 0 { liveByPool[previous.pool]?[previous.provider] = nil }
            if liveByPool[previous.pool]?.isEmpty == true { liveByPool[previous.pool] = nil }
        }
        if isLive, live[instance.id] == nil {
            live[instance.id] = (instance.pool, instance.provider)
            liveByPool[instance.pool, default: [:]][instance.provider, default: 0] += 1
        }
    }

    /// Where the instance is filed, if it is unfinished.
    public func place(of id: String) -> Place? { places[id]?.place }

    public func unsteadyIDs(of pool: String) -> [String] { unsteadyByPool[pool] ?? [] }
    public func waitingIDs(of pool: String) -> [String] { waitingByPool[pool] ?? [] }
    public func readyCount(of pool: String) -> Int { readyByPool[pool] ?? 0 }
    public func notReadyCount(of pool: String) -> Int { notReadyByPool[pool] ?? 0 }
    public func waitingCount(of pool: String) -> Int { waitingByPool[pool]?.count ?? 0 }

    /// The pool's live instances (requested to running) by provider.
    public func liveByProvider(of pool: String) -> [String: Int] { liveByPool[pool] ?? [:] }

    /// The instances that the pool's counted instances (all but the unsteady) replace (with how many).
    public func countedTargets(of pool: String) -> [String: Int] { countedTargetsByPool[pool] ?? [:] }

    /// How many of the pool's counted instances replace `target`.
    public func countedReplacements(of target: String, pool: String) -> Int { countedTargetsByPool[pool]?[target] ?? 0 }

    private mutating func remove(_ id: String, _ filed: Filed) {
        places[id] = nil
        switch filed.place {
        case .ready: Self.decrement(&readyByPool, filed.pool)
        case .notReady: Self.decrement(&notReadyByPool, filed.pool)
        case .waiting: SortedIDs.remove(id, from: &waitingByPool, key: filed.pool)
        case .unsteady: SortedIDs.remove(id, from: &unsteadyByPool, key: filed.pool)
        }
        if filed.place != .unsteady && !filed.replaces.isEmpty {
            countedTargetsByPool[filed.pool]?[filed.replaces, default: 0] -= 1
            if countedTargetsByPool[filed.pool]?[filed.replaces] == 0 { countedTargetsByPool[filed.pool]?[filed.replaces] = nil }
            if countedTargetsByPool[filed.pool]?.isEmpty == true { countedTargetsByPool[filed.pool] = nil }
        }
    }

    private static func decrement(_ counts: inout [String: Int], _ pool: String) {
        counts[pool, default: 0] -= 1
        if counts[pool] == 0 { counts[pool] = nil }
    }
}
