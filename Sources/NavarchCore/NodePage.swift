/// One page of a node listing.
public struct NodePage: Sendable, Equatable {
    public var nodes: [Node]
    /// The token of the next page; nil on the last.
    public var nextPageToken: String?
    /// Nodes matching the query's filters, on every page together.
    public var total: Int

    public init(nodes: [Node], nextPageToken: String?, total: Int) {
        self.nodes = nodes
        self.nextPageToken = nextPageToken
        self.total = total
    }
}

extension Node {
    /// The node with each GPU reduced to its index, UUID, model and health: what a listing
    /// sends unless GPU detail is asked for (the figures are most of a node's size).
    public var withoutGPUDetail: Node {
        var node = self
        node.gpus = gpus.map { GPU(index: $0.index, uuid: $0.uuid, model: $0.model, pciBusID: "", memoryTotalMiB: 0, health: $0.health, healthReason: $0.healthReason) }
        return node
    }
}
