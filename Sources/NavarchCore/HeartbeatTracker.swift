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
        deadlines.schedule(nodeID, at: time.addingTimeInterval(timeout))
    }

    /// Records a heartbeat.
    public mutating func record(_ nodeID: String, at time: Date) {
        if let previous = lastSeen[nodeID], previous > time { return }
        watch(nodeID, at: time)
    }

    /// Stops watching a node (terminated, forgotten).
    public mutating func forget(_ nodeID: String) {
        lastSeen[nodeID] = nil
        deadlines.cancel(nodeID)
    }

    /// Reports a node again at `time` if it is still silent then (its silence could not be
    /// acted on), without moving its last heartbeat.
    public mutating func rearm(_ nodeID: String, at time: Date) {
        guard lastSeen[nodeID] != nil else { return }
        deadlines.schedule(nodeID, at: time)
    }

    /// Last time the node was heard from.
    public func lastHeartbeat(of nodeID: String) -> Date? { lastSeen[nodeID] }

    /// Nodes silent past the timeout at `now` that were not reported yet, sorted by id.
    public mutating func expired(at now: Date) -> [String] {
        deadlines.popDue(at: now).sorted()
    }

    /// The earliest time at which a currently watched, unreported node could expire.
    public mutating func nextDeadline() -> Date? {
        deadlines.nextDeadline()
    }
}
