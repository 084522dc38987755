import Foundation

/// Pure bookkeeping of heartbeats: which nodes have been silent for too long.
///
/// A node silent for `missedBeforeUnhealthy` intervals is reported once by ``expired(at:)``;
/// it is reported again only after it heartbeats and falls silent anew. Every operation costs
/// O(log n) in the number of watched nodes (a ``DeadlineQueue`` holds the deadlines), so a
/// heartbeat never costs work proportional to the fleet.
public struct HeartbeatTracker: Sendable {
    public let interval: Duration
    public let missedBeforeUnhealthy: Int
    private var lastSeen: [String: Date] = [:]
    /// Nodes known to heartbeat every interval until a time (the simulator's leases): their
    /// deadline is the lease's end plus the timeout, without one input per heartbeat.
    private var leases: [String: Date] = [:]
    /// Deadlines of the nodes not reported yet.
    private var deadlines = DeadlineQueue<String>()

    public init(interval: Duration, missedBeforeUnhealthy: Int) {
        self.interval = interval
        self.missedBeforeUnhealthy = missedBeforeUnhealthy
    }

    /// How long a node may stay silent.
    public var timeout: TimeInterval { interval.timeInterval * Double(missedBeforeUnhealthy) }

    /// Number of nodes watched.
    public var count: Int { lastSeen.count }

    /// Starts watching a node as if it had just been heard from (a registration, or a restart).
    public mutating func watch(_ nodeID: String, at time: Date) {
        lastSeen[nodeID] = time
        if !leases.isEmpty { leases[nodeID] = nil }
        deadlines.schedule(nodeID, at: time.addingTimeInterval(timeout))
    }

    /// Records that the node, heard from at `time`, goes on heartbeating every interval until
    /// `until` (a simulated node whose next silence is known): it expires at `until` plus the
    /// timeout, as it would have heartbeat by heartbeat.
    public mutating func record(_ nodeID: String, at time: Date, heardUntil until: Date) {
        guard until > time else { return record(nodeID, at: time) }
        lastSeen[nodeID] = time
        leases[nodeID] = until
        deadlines.schedule(nodeID, at: until.addingTimeInterval(timeout))
    }

    /// Records a heartbeat.
    public mutating func record(_ nodeID: String, at time: Date) {
        if let previous = lastSeen[nodeID], previous > time { return }
        watch(nodeID, at: time)
    }

    /// Stops watching a node (terminated, forgotten).
    public mutating func forget(_ nodeID: String) {
        lastSeen[nodeID] = nil
        leases[nodeID] = nil
        deadlines.cancel(nodeID)
    }

    /// Reports a node again at `time` if it is still silent then (its silence could not be
    /// acted on), without moving its last heartbeat.
    public mutating func rearm(_ nodeID: String, at time: Date) {
        guard lastSeen[nodeID] != nil else { return }
        deadlines.schedule(nodeID, at: time)
    }

    /// Last time the node was heard from, as of `now` (a node on a lease was heard until then).
    public func lastHeartbeat(of nodeID: String, at now: Date) -> Date? {
        guard let seen = lastSeen[nodeID] else { return nil }
        guard let lease = leases[nodeID] else { return seen }
        return max(seen, min(lease, now))
    }

    /// Nodes silent past the timeout at `now` that were not reported yet, sorted by id.
    public mutating func expired(at now: Date) -> [String] {
        deadlines.popDue(at: now).sorted()
    }

    /// The earliest time at which a currently watched, unreported node could expire.
    public mutating func nextDeadline() -> Date? {
        deadlines.nextDeadline()
    }
}
