import Foundation
import NavarchCore
import Testing

@Suite struct NodeQueryTests {
    func node(_ id: String, pool: String = "train", state: NodeState = .active, health: HealthStatus = .healthy) -> Node {
        Node(
            id: id, pool: pool, instanceID: "", provider: "fake", state: state, health: health,
            gpus: (0..<8).map { GPU(index: $0, uuid: "GPU-\(id)-\($0)", model: "NVIDIA H100 80GB HBM3", pciBusID: "0000:\($0)", memoryTotalMiB: 81559, metrics: ["power_watts": 70]) },
            registeredAt: Date(timeIntervalSince1970: 0))
    }

    /// Every page of `query` over `nodes`, following the tokens.
    func pages(_ query: NodeQuery, of nodes: [Node]) throws -> [NodePage] {
        var pages: [NodePage] = []
        var token = ""
        repeat {
            let page = try NodeQuery(pool: query.pool, state: query.state, health: query.health, pageSize: query.pageSize, pageToken: token).page(of: nodes)
            pages.append(page)
            token = page.nextPageToken ?? ""
        } while !token.isEmpty && pages.count < 1000
        return pages
    }

    @Test func pagesCoverEveryNodeOnceInNaturalOrderWhateverTheInputOrder() throws {
        var random = SystemRandomNumberGenerator()
        let nodes = (0..<1234).map { node("node-\($0)") }.shuffled(using: &random)
        let listed = try pages(NodeQuery(pageSize: 100), of: nodes)
        #expect(listed.count == 13)
        #expect(listed.allSatisfy { $0.total == 1234 })
        #expect(listed.dropLast().allSatisfy { $0.nodes.count == 100 && $0.nextPageToken != nil })
        #expect(listed.last?.nodes.count == 34 && listed.last?.nextPageToken == nil)
        #expect(listed.flatMap(\.nodes).map(\.id) == (0..<1234).map { "node-\($0)" })
    }

    @Test func aPageThatEndsExactlyAtTheLastNodeHasNoNextToken() throws {
        let listed = try pages(NodeQuery(pageSize: 5), of: (0..<10).map { node("n\($0)") })
        #expect(listed.count == 2 && listed[1].nextPageToken == nil)
    }

    @Test func filtersByPoolStateAndHealthAndCountsOnlyTheMatches() throws {
        let nodes = (0..<30).map { index in
            node("n-\(index)", pool: index % 2 == 0 ? "train" : "serve", state: index % 3 == 0 ? .cordoned : .active, health: index % 5 == 0 ? .unhealthy : .healthy)
        }
        let page = NodeQuery(pool: "train", state: .cordoned, health: .unhealthy).page(of: nodes)
        #expect(page.nodes.map(\.id) == ["n-0"])
        #expect(page.total == 1)
        let healthyServing = NodeQuery(pool: "serve", state: .active, health: .healthy).page(of: nodes)
        #expect(healthyServing.nodes.allSatisfy { $0.pool == "serve" && $0.state == .active && $0.health == .healthy })
        #expect(healthyServing.total == nodes.filter { $0.pool == "serve" && $0.state == .active && $0.health == .healthy }.count)
    }

    @Test func aNodeAddedBehindTheListingIsNotListedTwiceNorAheadMissed() throws {
        var nodes = (0..<10).map { node("n-\($0)") }
        let first = NodeQuery(pageSize: 4).page(of: nodes)
        nodes.append(node("n-1a"))  // sorts before the page boundary n-3
        nodes.append(node("n-99"))  // after it
        let token = try #require(first.nextPageToken)
        let rest = try NodeQuery(pool: nil, state: nil, health: nil, pageSize: 100, pageToken: token).page(of: nodes)
        #expect(first.nodes.map(\.id) == ["n-0", "n-1", "n-2", "n-3"])
        #expect(rest.nodes.map(\.id) == ["n-4", "n-5", "n-6", "n-7", "n-8", "n-9", "n-99"])
    }

    @Test func badPageSizesAndTokensAreRefusedByName() throws {
        let tooBig = #expect(throws: NavarchError.self) { try NodeQuery(pool: nil, state: nil, health: nil, pageSize: 5001, pageToken: "") }
        #expect(tooBig?.message.contains("page_size must be between 0") == true)
        #expect(throws: NavarchError.self) { try NodeQuery(pool: nil, state: nil, health: nil, pageSize: -1, pageToken: "") }
        let forged = #expect(throws: NavarchError.self) { try NodeQuery(pool: nil, state: nil, health: nil, pageSize: 0, pageToken: "garbage") }
        #expect(forged?.message.contains("page_token 'garbage' is not a token this server gave") == true)
        let defaulted = try NodeQuery(pool: nil, state: nil, health: nil, pageSize: 0, pageToken: NodeQuery.token(after: "node-7/é"))
        #expect(defaulted.pageSize == NodeQuery.defaultPageSize && defaulted.after == "node-7/é")
    }

    @Test func aListingWithoutGPUDetailKeepsWhatATableShows() {
        let summary = node("n-1").withoutGPUDetail
        #expect(summary.gpus.count == 8)
        #expect(summary.gpus.allSatisfy { $0.metrics.isEmpty && $0.pciBusID.isEmpty && $0.memoryTotalMiB == 0 && $0.model == "NVIDIA H100 80GB HBM3" })
        #expect(summary.gpus.map(\.uuid) == node("n-1").gpus.map(\.uuid))
    }

    @Test func poolCountsCountLiveReadyNodesAndTheirGPUs() {
        let counts = PoolCounts.of([
            node("a", pool: "train"), node("b", pool: "train", health: .unhealthy), node("c", pool: "train", state: .cordoned),
            node("d", pool: "train", state: .terminated), node("e", pool: ""),
        ])
        #expect(counts["train"] == PoolCounts(nodes: 3, readyNodes: 1, readyGPUs: 8))
        #expect(counts[""] == PoolCounts(nodes: 1, readyNodes: 1, readyGPUs: 8))
    }
}
