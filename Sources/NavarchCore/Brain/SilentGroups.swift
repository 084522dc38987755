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
    ///   - nodes: the live nodes (not terminated, on live instances).
    ///   - lastHeartbeat: when a node was last heard from.
    ///   - timeout: how long a node may be silent.
    /// - Returns: every fully silent group, by name.
    public static func find(nodes: [Node], lastHeartbeat: (String) -> Date?, timeout: TimeInterval, now: Date) -> [Group] {
        func silent(_ node: Node) -> Bool {
            guard let last = lastHeartbeat(node.id) else { return false }
            return now.timeIntervalSince(last) >= timeout
        }
        var groups: [String: [Node]] = [:]
        for node in nodes {
            if !node.provider.isEmpty { groups["provider \(node.provider)", default: []].append(node) }
            if let zone = node.labels["topology.zone"], !zone.isEmpty { groups["zone \(zone)", default: []].append(node) }
        }
        return groups.sorted { $0.key < $1.key }
            .filter { $0.value.count >= 2 && $0.value.allSatisfy(silent) }
            .map { Group(name: $0.key, nodes: $0.value.map(\.id).sorted()) }
    }
}
