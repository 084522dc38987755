/// Tells the workload scheduler (Kubernetes, Slurm, a webhook) what Navarch is about to do to a
/// node, so that jobs move before the node is repaired or terminated. The control plane calls
/// `cordon` when it takes a node out of service, `drain` and then `isDrained` until it answers
/// true (or the drain timeout passes) before the node is drained, repaired or terminated, and
/// `uncordon` when the node is back.
public protocol Coordinator: Sendable {
    /// `kubernetes`, `slurm`, `webhook`.
    var name: String { get }
    /// No new work on the node.
    func cordon(_ node: CoordinatedNode, reason: String) async throws
    /// New work may go to the node again.
    func uncordon(_ node: CoordinatedNode) async throws
    /// Starts moving the node's work away (it is cordoned as well).
    func drain(_ node: CoordinatedNode, reason: String) async throws
    /// Whether the node's work is gone.
    func isDrained(_ node: CoordinatedNode) async throws -> Bool
}

/// A node as a coordinator needs it: the names the workload scheduler may know it by.
public struct CoordinatedNode: Sendable, Equatable {
    public var id: String
    public var hostname: String
    public var pool: String
    public var labels: [String: String]

    public init(id: String, hostname: String = "", pool: String = "", labels: [String: String] = [:]) {
        self.id = id
        self.hostname = hostname
        self.pool = pool
        self.labels = labels
    }

    public init(_ node: Node) {
        self.init(id: node.id, hostname: node.hostname, pool: node.pool, labels: node.labels)
    }
}
