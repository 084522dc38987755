import Foundation

/// A listing of nodes a page at a time, with filters: which nodes, and where the page starts.
/// Pages come in natural order of node ids (`node-9` before `node-10`), and a page token is
/// the last id of the page before, so a listing stays consistent while nodes come and go.
public struct NodeQuery: Sendable, Equatable {
    public static let defaultPageSize = 500
    public static let maximumPageSize = 5000

    /// Only nodes of this pool (nil: any).
    public var pool: String?
    public var state: NodeState?
    public var health: HealthStatus?
    public var pageSize: Int
    /// The page starts after this node id (nil: at the first node).
    public var after: String?

    public init(pool: String? = nil, state: NodeState? = nil, health: HealthStatus? = nil, pageSize: Int = NodeQuery.defaultPageSize, after: String? = nil) {
        self.pool = pool
        self.state = state
        self.health = health
        self.pageSize = pageSize
        self.after = after
    }

    /// A query from an API request's fields: a page size of 0 means the default; a token must
    /// be one this server handed out.
    public init(pool: String?, state: NodeState?, health: HealthStatus?, pageSize: Int, pageToken: String) throws {
        guard pageSize >= 0, pageSize <= Self.maximumPageSize else {
            throw NavarchError.invalidArgument("page_size must be between 0 (the default, \(Self.defaultPageSize)) and \(Self.maximumPageSize), got \(pageSize)")
        }
        let after: String?
        if pageToken.isEmpty {
            after = nil
        } else {
            guard let id = Self.nodeID(fromToken: pageToken) else {
                throw NavarchError.invalidArgument("page_token '\(pageToken)' is not a token this server gave; start again with an empty page_token")
            }
            after = id
        }
        self.init(pool: pool, state: state, health: health, pageSize: pageSize == 0 ? Self.defaultPageSize : pageSize, after: after)
    }

    public func matches(_ node: Node) -> Bool {
        (pool == nil || node.pool == pool) && (state == nil || node.state == state) && (health == nil || node.health == health)
    }

    /// This query's page of `nodes`: one pass over them, keeping the first `pageSize` in order,
    /// so a page costs the fleet's size and not a sort of it.
    public func page(of nodes: some Sequence<Node>) -> NodePage {
        var total = 0, later = 0
        var kept: [Node] = []
        kept.reserveCapacity(min(pageSize, 1024) + 1)
        for node in nodes where matches(node) {
            total += 1
            if let after, !NaturalOrder.precedes(after, node.id) { continue }
            later += 1
            if kept.count == pageSize, let last = kept.last, !NaturalOrder.precedes(node.id, last.id) { continue }
            var low = 0, high = kept.count
            while low < high {
                let middle = (low + high) / 2
                if NaturalOrder.precedes(kept[middle].id, node.id) { low = middle + 1 } else { high = middle }
            }
            kept.insert(node, at: low)
            if kept.count > pageSize { kept.removeLast() }
        }
        let next = later > kept.count ? kept.last.map { Self.token(after: $0.id) } : nil
        return NodePage(nodes: kept, nextPageToken: next, total: total)
    }

    /// The opaque token for the page after the node `id`.
    public static func token(after id: String) -> String {
        "n1." + Data(id.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func nodeID(fromToken token: String) -> String? {
        guard token.hasPrefix("n1.") else { return nil }
        var base64 = String(token.dropFirst(3)).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let id = String(data: data, encoding: .utf8), !id.isEmpty else { return nil }
        return id
    }
}
