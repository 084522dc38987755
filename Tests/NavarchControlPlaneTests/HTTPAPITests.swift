import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NavarchControlPlane
import NavarchCore
import NavarchProviders
import NavarchStore
import Testing

@Suite struct HTTPAPITests {
    func get(_ port: Int, _ path: String) async throws -> (Int, String) {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
        if let token = TestCredentials.adminToken(port: port) { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test func probesAndFleetViews() async throws {
        let plane = ControlPlane(configuration: testConfiguration(), store: InMemoryStore()).with(provider: FakeProvider())
        try await withControlPlane(plane) { endpoints in
            try await withNodeClient(endpoints) { agent in
                _ = try await agent.register(registration(node: "web-0", instance: ""))
            }
            let port = endpoints.httpPort
            #expect(try await get(port, "/healthz") == (200, #"{"status":"ok"}"#))
            #expect(try await get(port, "/readyz") == (200, #"{"status":"ready"}"#))
            let (status, body) = try await get(port, "/v1/nodes")
            #expect(status == 200 && body.contains(#""id":"web-0""#), "\(body)")
            let (one, node) = try await get(port, "/v1/nodes/web-0")
            #expect(one == 200 && node.contains(#""health":"HEALTH_STATUS_HEALTHY""#), "\(node)")
            let (missing, error) = try await get(port, "/v1/nodes/ghost")
            #expect(missing == 404 && error == #"{"error":{"code":"not_found","message":"node ghost not found"}}"#, "\(error)")
            let (poolStatus, pools) = try await get(port, "/v1/pools")
            #expect(poolStatus == 200 && !pools.contains(#""pools""#) && pools.contains(#""counts":{"":{"nodes":1"#), "\(pools)")
            #expect(try await get(port, "/v1/instances").0 == 200)
        }
    }
}
