import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRPCCore
import GRPCNIOTransportHTTP2
import NavarchClient
import NavarchCore
import NavarchProto
import Testing

/// A control plane with 5,000 registered nodes of 8 GPUs (20 metrics each): every node must
/// come back through `navarch status`, `navarch nodes list` and `GET /v1/nodes`, a page at a
/// time, where one answer with every GPU's figures (about 27 MB) exceeds gRPC's 4 MiB limit.
@Suite(.serialized) struct LargeFleetTests {
    static let nodes = 5000

    static func registration(_ index: Int) -> Navarch_V1_RegisterRequest {
        var request = Navarch_V1_RegisterRequest()
        request.nodeID = "big-\(index)"
        request.pool = index % 2 == 0 ? "even" : "odd"
        request.agentVersion = "test"
        request.health = index % 100 == 7 ? .unhealthy : .healthy
        request.gpus = (0..<8).map { slot in
            var gpu = Navarch_V1_GPU()
            gpu.index = Int32(slot)
            gpu.uuid = "GPU-big-\(index)-\(slot)"
            gpu.model = "NVIDIA H100 80GB HBM3"
            gpu.pciBusID = "00000000:\(18 + slot):00.0"
            gpu.health = .healthy
            gpu.metrics = Dictionary(uniqueKeysWithValues: (0..<20).map { ("metric_\($0)_of_some_length", Double($0)) })
            return gpu
        }
        return request
    }

    /// Registers `count` nodes, 64 at a time, as agents would.
    static func register(on serve: ServeProcess, count: Int = nodes) async throws {
        // Enrolled by the admin, as machines set up by hand are.
        let transport = try serve.security.transport(host: "127.0.0.1", port: serve.grpcPort)
        try await withGRPCClient(transport: transport, interceptors: serve.security.interceptors) { grpc in
            let agents = Navarch_V1_NodeService.Client(wrapping: grpc)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    if index >= 64 { try await group.next() }
                    group.addTask { _ = try await agents.register(registration(index)) }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func statusNodesListAndTheHTTPListingWorkAtFiveThousandNodes() async throws {
        let serve = try ServeProcess()
        defer { serve.cleanUp() }
        // Registered once and silent after: a long heartbeat interval keeps them from going unhealthy.
        try await serve.start(extraArguments: ["--heartbeat-interval", "1h"])
        try await Self.register(on: serve)

        let status = try await navarch(["status", "--server", serve.server], timeout: .seconds(300))
        #expect(status.status == 0, "\(status.stderr)")
        let rows = status.stdout.split(separator: "\n").filter { $0.hasPrefix("big-") }
        #expect(rows.count == Self.nodes)
        #expect(rows.first?.hasPrefix("big-0 ") == true && rows.last?.hasPrefix("big-4999 ") == true)
        #expect(status.stdout.split(separator: "\n").filter { $0.hasPrefix("NODE ") }.count == 1, "one header for every page")

        let json = try await navarch(["status", "--server", serve.server, "-o", "json", "--page-size", "1000"], timeout: .seconds(300))
        #expect(json.status == 0, "\(json.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((report["nodes"] as? [Any])?.count == Self.nodes)

        let unhealthy = try await navarch(["nodes", "list", "--server", serve.server, "--pool", "odd", "--health", "unhealthy"])
        #expect(unhealthy.status == 0, "\(unhealthy.stderr)")
        let expected = (0..<Self.nodes).filter { $0 % 2 == 1 && $0 % 100 == 7 }.map { "big-\($0)" }
        #expect(unhealthy.stdout.split(separator: "\n").dropFirst().map { String($0.split(separator: " ")[0]) } == expected)

        let counts = try await NavarchClient.with(server: serve.server, security: serve.security) { try await $0.poolsWithCounts().counts }
        #expect(counts[""] == nil && counts["even"]?.nodes == 2500 && counts["odd"]?.readyNodes == 2500 - expected.count)

        // The HTTP API, following next_page_token; GPU figures only when asked for.
        var seen: [String] = []
        var token = ""
        var pages = 0
        repeat {
            let url = try serve.request("/v1/nodes?page_size=2000&page_token=\(token)")
            let (data, _) = try await URLSession.shared.data(for: url)
            let page = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let nodes = try #require(page["nodes"] as? [[String: Any]])
            #expect(page["total_size"] as? Int == Self.nodes)
            #expect(nodes.allSatisfy { (($0["gpus"] as? [[String: Any]])?.first?["metrics"] as? [String: Any])?.isEmpty ?? true })
            seen += nodes.compactMap { $0["id"] as? String }
            token = page["next_page_token"] as? String ?? ""
            pages += 1
        } while !token.isEmpty && pages < 10
        #expect(pages == 3)
        #expect(seen == (0..<Self.nodes).map { "big-\($0)" })
        let detailed = try serve.request("/v1/nodes?pool=even&page_size=1&include_gpu_detail=true")
        let (data, _) = try await URLSession.shared.data(for: detailed)
        #expect(String(decoding: data, as: UTF8.self).contains("metric_19_of_some_length"))
        let bad = try serve.request("/v1/nodes?state=sleeping")
        let (body, response) = try await URLSession.shared.data(for: bad)
        #expect((response as? HTTPURLResponse)?.statusCode == 400)
        #expect(String(decoding: body, as: UTF8.self).contains("state 'sleeping' is not one of active"))
        _ = try await serve.stop()
    }
}
