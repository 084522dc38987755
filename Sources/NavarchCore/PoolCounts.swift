/// How many of a pool's nodes are registered and serving.
public struct PoolCounts: Sendable, Equatable, Codable {
    /// Registered and not terminated.
    public var nodes = 0
    /// Active and healthy: serving work.
    public var readyNodes = 0
    /// GPUs of the ready nodes.
    public var readyGPUs = 0

    public init(nodes: Int = 0, readyNodes: Int = 0, readyGPUs: Int = 0) {
        self.nodes = nodes
        self.readyNodes = readyNodes
        self.readyGPUs = readyGPUs
    }

    /// The counts of every pool with live nodes, by pool name ("" for nodes in no pool).
    public static func of(_ nodes: some Sequence<Node>) -> [String: PoolCounts] {
        var counts: [String: PoolCounts] = [:]
        for node in nodes where node.state != .terminated {
            counts[node.pool, default: PoolCounts()].nodes += 1
            if node.state == .active && node.health == .healthy {
                counts[node.pool, default: PoolCounts()].readyNodes += 1
                counts[node.pool, default: PoolCounts()].readyGPUs += node.gpus.count
            }
        }
        return counts
    }
}
