import Foundation

/// The providers and zones whose every node went silent at once, pure: when a whole group stops
/// heartbeating together, the fault is the group's network or cloud, not its machines, and the
/// fleet breaker must open before any of them is replaced.
public enum SilentGroups {
    /// A group (`provider NAME`, `zone NAME`) of at least two live nodes, all silent.
    public struct Group: Sendable, Equatable {
        public var name: String
        /// Its node ids, sorted.
        public var nodes: [String]

        public init(name: String, nodes: [String]) {
            self.name = name
            self.nodes = nodes
        }
    }

    /// - Parameters:
    ///   - candidates: the groups to look at (those of the nodes that just went silent: a group
    ///     goes silent when its last member does), each with its live nodes.
    ///   - lastHeartbeat: when a node was last heard from.
    ///   - timeout: how long a node may be silent.
    /// - Returns: every fully silent group of `candidates`, by name. A group with a member heard
    ///   from costs only until that member is met.
    public static func find(
        candidates: [String: Set<String>], lastHeartbeat: (String) -> Date?, timeout: TimeInterval, now: Date
    ) -> [Group] {
        func silent(_ node: String) -> Bool {
            guard let last = lastHeartbeat(node) else { return false }
            return now.timeIntervalSince(last) >= timeout
        }
        return candidates.sorted { $0.key < $1.key }
            .filter { $0.value.count >= 2 && $0.value.allSatisfy(silent) }
            .map { Group(name: $0.key, nodes: $0.value.sorted()) }
    }

    /// Every fully silent group of `nodes` (the live nodes: not terminated, on live instances).
    public static func find(nodes: [Node], lastHeartbeat: (String) -> Date?, timeout: TimeInterval, now: Date) -> [Group] {
        var groups: [String: Set<String>] = [:]
        for node in nodes {
            for group in FleetState.groups(of: node) { groups[group, default: []].insert(node.id) }
        }
        return find(candidates: groups, lastHeartbeat: lastHeartbeat, timeout: timeout, now: now)
    }
}
