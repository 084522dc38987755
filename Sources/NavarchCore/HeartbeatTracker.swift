import Foundation

/// Pure bookkeeping of heartbeats: which nodes have been silent for too long.
///
/// A node silent for `missedBeforeUnhealthy` intervals is reported once by ``expired(at:)``;
/// it is reported again only after it heartbeats and falls silent anew.
public struct HeartbeatTracker: Sendable {
    public let interval: Duration
    public let missedBeforeUnhealthy: Int
    private var lastSeen: [String: Date] = [:]
    private var reported: Set<String> = []

    public init(interval: Duration, missedBeforeUnhealthy: Int) {
        self.interval = interval
        self.missedBeforeUnhealthy = missedBeforeUnhealthy
    }

    /// How long a node may stay silent.
    public var timeout: TimeInterval { interval.timeInterval * Double(missedBeforeUnhealthy) }

    /// Starts watching a node as if it had just been heard from (a registration, or a restart).
    public mutating func watch(_ nodeID: String, at time: Date) {
        lastSeen[nodeID] = time
        reported.remove(nodeID)
    }

    /// Records a heartbeat.
    public mutating func record(_ nodeID: String, at time: Date) {
        if let previous = lastSeen[nodeID], previous > time { return }
        lastSeen[nodeID] = time
        reported.remove(nodeID)
    }

    /// Stops watching a node (terminated, forgotten).
    public mutating func forget(_ nodeID: String) {
        lastSeen[nodeID] = nil
        reported.remove(nodeID)
    }

    /// Last time the node was heard from.
    public func lastHeartbeat(of nodeID: String) -> Date? { lastSeen[nodeID] }

    /// Nodes silent past the timeout at `now` that were not reported yet, sorted by id.
    public mutating func expired(at now: Date) -> [String] {
        var result: [String] = []
        for (node, seen) in lastSeen where !reported.contains(node) && now.timeIntervalSince(seen) >= timeout {
            result.append(node)
            reported.insert(node)
        }
        return result.sorted()
    }

    /// The earliest time at which a currently watched, unreported node could expire.
    public func nextDeadline() -> Date? {
        lastSeen.filter { !reported.contains($0.key) }.values.min().map { $0.addingTimeInterval(timeout) }
    }
}
