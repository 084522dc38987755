import AsyncHTTPClient
import Foundation
import NavarchCloudFakes
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NavarchControlPlane
import NavarchCore
import NavarchProviders
import NavarchStore
import NavarchTesting
import Testing
import Yams

/// The REST API against a live control plane: every route, bad input on each, the event stream
/// and its resume, and the OpenAPI document against the routes.
@Suite struct RESTAPITests {
    struct Answer: Sendable {
        var status: Int
        var text: String
        func object() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
        }
        /// The error's code and field, from `{"error": {...}}`.
        func error() throws -> (code: String, message: String, field: String?) {
            let error = try #require(try object()["error"] as? [String: Any], "\(text)")
            return (error["code"] as? String ?? "", error["message"] as? String ?? "", error["field"] as? String)
        }
    }

    static func send(_ port: Int, _ method: String, _ path: String, _ body: String? = nil, headers: [String: String] = [:]) async throws -> Answer {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
        request.httpMethod = method
        if let token = TestCredentials.adminToken(port: port) { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return Answer(status: (response as? HTTPURLResponse)?.statusCode ?? 0, text: String(decoding: data, as: UTF8.self))
    }

    func withRESTFleet(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        var configuration = testConfiguration()
        configuration.heartbeatInterval = .seconds(60)
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: FakeProvider())
        try await withControlPlane(plane) { endpoints in
            try await withNodeClient(endpoints) { agent in
                for index in 0..<3 { _ = try await agent.register(registration(node: "web-\(index)", instance: "")) }
            }
            try await body(endpoints.httpPort)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func everyRouteAnswersAndBadInputIsNamed() async throws {
        try await withRESTFleet { port in
            // Nodes: a page, one node, filters, pagination.
            let nodes = try await Self.send(port, "GET", "/v1/nodes?page_size=2")
            #expect(nodes.status == 200)
            let page = try nodes.object()
            #expect((page["nodes"] as? [[String: Any]])?.map { $0["id"] as? String } == ["web-0", "web-1"])
            #expect(page["total_size"] as? Int == 3)
            let token = try #require(page["next_page_token"] as? String)
            let rest = try await Self.send(port, "GET", "/v1/nodes?page_size=2&page_token=\(token)")
            #expect((try rest.object()["nodes"] as? [[String: Any]])?.map { $0["id"] as? String } == ["web-2"])
            #expect(try rest.object()["next_page_token"] as? String == nil)
            let node = try await Self.send(port, "GET", "/v1/nodes/web-0")
            #expect(try node.status == 200 && (node.object()["health"] as? String) == "HEALTH_STATUS_HEALTHY", "\(node.text)")
            #expect((try node.object()["gpus"] as? [Any])?.count == 8)

            // Bad input on the listing: each named.
            for (path, field) in [
                ("/v1/nodes?state=sleeping", "state"), ("/v1/nodes?page_size=many", "page_size"), ("/v1/nodes?colour=red", "colour"),
                ("/v1/nodes?include_gpu_detail=maybe", "include_gpu_detail"),
            ] {
                let answer = try await Self.send(port, "GET", path)
                #expect(answer.status == 400, "\(path): \(answer.text)")
                #expect(try answer.error().field == field, "\(path): \(answer.text)")
            }
            let forged = try await Self.send(port, "GET", "/v1/nodes?page_token=forged")
            #expect(try forged.status == 422 && (forged.error().message.contains("page_token 'forged'")), "\(forged.text)")
            let tooBig = try await Self.send(port, "GET", "/v1/nodes?page_size=5001")
            #expect(tooBig.status == 422, "\(tooBig.text)")
            let ghost = try await Self.send(port, "GET", "/v1/nodes/ghost")
            #expect(try ghost.status == 404 && (ghost.error()) == ("not_found", "node ghost not found", nil), "\(ghost.text)")

            // Node actions: cordon, an illegal transition, uncordon with force, diagnostics.
            let cordon = try await Self.send(port, "POST", "/v1/nodes/web-1/cordon", #"{"reason":"maintenance","actor":"operator:alice"}"#)
            #expect(try cordon.status == 200 && (cordon.object()["state"] as? String) == "NODE_STATE_CORDONED", "\(cordon.text)")
            let history = try await Self.send(port, "GET", "/v1/nodes/web-1/history")
            let kinds = (try history.object()["events"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } ?? []
            #expect(kinds.contains("node.cordoned"), "\(history.text)")
            let drain = try await Self.send(port, "POST", "/v1/nodes/web-1/drain", "{}")
            #expect(drain.status == 200, "\(drain.text)")
            let uncordon = try await Self.send(port, "POST", "/v1/nodes/web-1/uncordon", #"{"force":true,"reason":"checked by hand"}"#)
            #expect(uncordon.status == 200, "\(uncordon.text)")
            let badJSON = try await Self.send(port, "POST", "/v1/nodes/web-1/cordon", "{not json")
            #expect(try badJSON.status == 400 && (badJSON.error().code) == "bad_request", "\(badJSON.text)")
            let wrongType = try await Self.send(port, "POST", "/v1/nodes/web-1/uncordon", #"{"force":"yes"}"#)
            #expect(wrongType.status == 400, "\(wrongType.text)")
            let unknownField = try await Self.send(port, "POST", "/v1/nodes/web-1/cordon", #"{"why":"x"}"#)
            #expect(try unknownField.status == 400 && (unknownField.error().message.contains("unknown field 'why'")), "\(unknownField.text)")
            let otherNode = try await Self.send(port, "POST", "/v1/nodes/web-1/cordon", #"{"node_id":"web-2"}"#)
            #expect(try otherNode.status == 400 && (otherNode.error().field) == "node_id", "\(otherNode.text)")
            let cordonGhost = try await Self.send(port, "POST", "/v1/nodes/ghost/cordon", "{}")
            #expect(cordonGhost.status == 404, "\(cordonGhost.text)")
            let badLevel = try await Self.send(port, "POST", "/v1/nodes/web-2/diagnostics", #"{"level":9}"#)
            #expect(badLevel.status == 422, "\(badLevel.text)")

            // Pools: create, get, scale, queue, delete; a name taken; an unknown pool.
            let create = try await Self.send(port, "POST", "/v1/pools", #"{"name":"train","gpu_type":"h100","gpus":16}"#)
            #expect(try create.status == 201 && (create.object()["desired_nodes"] as? Int) == 2, "\(create.text)")
            let again = try await Self.send(port, "POST", "/v1/pools", #"{"name":"train","gpu_type":"h100","gpus":16}"#)
            #expect(again.status == 409, "\(again.text)")
            let badType = try await Self.send(port, "POST", "/v1/pools", #"{"name":"x","gpu_type":"abacus","gpus":8}"#)
            #expect(badType.status == 422, "\(badType.text)")
            let pool = try await Self.send(port, "GET", "/v1/pools/train")
            #expect(try pool.status == 200 && (pool.object()["gpu_type"] as? String) == "h100", "\(pool.text)")
            let pools = try await Self.send(port, "GET", "/v1/pools")
            #expect((try pools.object()["pools"] as? [Any])?.count == 1, "\(pools.text)")
            let scale = try await Self.send(port, "POST", "/v1/pools/train/scale", #"{"desired_nodes":3}"#)
            #expect(try scale.status == 200 && (scale.object()["desired_nodes"] as? Int) == 3, "\(scale.text)")
            let negative = try await Self.send(port, "POST", "/v1/pools/train/scale", #"{"desired_nodes":-1}"#)
            #expect(negative.status == 422, "\(negative.text)")
            let queue = try await Self.send(port, "POST", "/v1/pools/train/queue", #"{"depth":4}"#)
            #expect(try queue.status == 200 && (queue.object()["queue_depth"] as? Int) == 4, "\(queue.text)")
            #expect(try await Self.send(port, "GET", "/v1/pools/nope").status == 404)
            #expect(try await Self.send(port, "POST", "/v1/pools/nope/scale", #"{"desired_nodes":1}"#).status == 404)
            let instances = try await Self.send(port, "GET", "/v1/instances?pool=train")
            #expect(try instances.status == 200 && (instances.object()["instances"] as? [Any])?.isEmpty == false, "\(instances.text)")
            let delete = try await Self.send(port, "DELETE", "/v1/pools/train")
            #expect(try delete.status == 200 && (delete.object()["deleting"] as? Bool) == true, "\(delete.text)")

            // Events, breakers, policy, XIDs, catalog, info.
            let events = try await Self.send(port, "GET", "/v1/events?limit=2")
            #expect((try events.object()["events"] as? [Any])?.count == 2, "\(events.text)")
            #expect(try await Self.send(port, "GET", "/v1/events?limit=-1").status == 422)
            let breakers = try await Self.send(port, "GET", "/v1/breakers")
            #expect(try breakers.status == 200 && (breakers.object()["breakers"] as? [Any]) != nil, "\(breakers.text)")
            let reset = try await Self.send(port, "POST", "/v1/breakers/reset", "{}")
            #expect(reset.status == 200, "\(reset.text)")
            let policy = try await Self.send(port, "GET", "/v1/health/policy")
            #expect((try policy.object()["yaml"] as? String)?.contains("rules") == true, "\(policy.text)")
            let xid = try await Self.send(port, "GET", "/v1/health/xids/79")
            #expect(try xid.status == 200 && (xid.object()["code"] as? Int) == 79, "\(xid.text)")
            #expect(try await Self.send(port, "GET", "/v1/health/xids/seventy").status == 400)
            let catalog = try await Self.send(port, "GET", "/v1/catalog?gpu_type=h100&provider=aws")
            let offerings = try #require(try catalog.object()["offerings"] as? [[String: Any]])
            #expect(!offerings.isEmpty && offerings.allSatisfy { $0["provider"] as? String == "aws" && $0["gpu_type"] as? String == "h100" })
            let info = try await Self.send(port, "GET", "/v1/info")
            #expect((try info.object()["default_provider"] as? String) == "fake", "\(info.text)")
            let openapi = try await Self.send(port, "GET", "/openapi.json")
            #expect((try openapi.object()["openapi"] as? String) == "3.1.0")
        }
    }

    /// Reads an event stream until `count` events came, returning their ids and kinds.
    static func streamedEvents(_ port: Int, _ path: String, headers: [String: String] = [:], count: Int) async throws -> [(id: Int64, kind: String)] {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        if let token = TestCredentials.adminToken(port: port) { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
        var events: [(Int64, String)] = []
        var id: Int64?
        var text = ""
        for try await chunk in response.body {
            text += String(buffer: chunk)
            while let end = text.firstIndex(of: "\n") {
                let line = text[..<end]
                if line.hasPrefix("id: ") { id = Int64(line.dropFirst(4)) }
                if line.hasPrefix("event: "), let id { events.append((id, String(line.dropFirst(7)))) }
                text = String(text[text.index(after: end)...])
            }
            if events.count >= count { break }
        }
        return events
    }

    @Test(.timeLimit(.minutes(2)))
    func theEventStreamDeliversHistoryThenLiveEventsAndResumes() async throws {
        try await withRESTFleet { port in
            let listed = try #require(try await Self.send(port, "GET", "/v1/events").object()["events"] as? [[String: Any]])
            let ids = listed.compactMap { ($0["sequence"] as? NSNumber)?.int64Value }
            #expect(ids.count == listed.count && ids.count >= 3)
            let history = try await Self.streamedEvents(port, "/v1/events/stream", count: ids.count)
            #expect(history.map(\.id) == ids)
            // Resumed after the last but one: the last, then a live one.
            let resumed = Task { try await Self.streamedEvents(port, "/v1/events/stream", headers: ["Last-Event-ID": "\(ids[ids.count - 2])"], count: 2) }
            try await Task.sleep(for: .milliseconds(300))
            _ = try await Self.send(port, "POST", "/v1/nodes/web-0/cordon", #"{"reason":"live"}"#)
            let seen = try await resumed.value
            #expect(seen.first?.id == ids.last)
            #expect(seen.last?.kind == "node.cordoned")
            let ofWeb0 = listed.filter { $0["node_id"] as? String == "web-0" }.count + 1
            let filtered = try await Self.streamedEvents(port, "/v1/events/stream?node_id=web-0", count: ofWeb0)
            #expect(filtered.first?.kind == "node.registered" && filtered.last?.kind == "node.cordoned", "\(filtered)")
            let bad = try await Self.send(port, "GET", "/v1/events/stream", headers: ["Last-Event-ID": "yesterday"])
            #expect(try bad.status == 400 && (bad.error().field) == "Last-Event-ID")
        }
    }

    /// The document lists exactly the routes the server has, and the server embeds the file.
    @Test func theOpenAPIDocumentMatchesTheRoutes() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("openapi/navarch.yaml"), encoding: .utf8)
        let embedded = try String(contentsOf: root.appendingPathComponent("Sources/NavarchControlPlane/REST/OpenAPIDocument+Text.swift"), encoding: .utf8)
        #expect(embedded.contains(file.trimmingCharacters(in: .newlines)), "openapi/navarch.yaml changed: run scripts/generate-openapi.sh")
        let document = try #require(try Yams.load(yaml: file) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, operations) in paths {
            for method in operations.keys where ["get", "post", "delete", "put", "patch"].contains(method) {
                documented.insert("\(method) \(path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: ""))")
            }
        }
        let source = try String(contentsOf: root.appendingPathComponent("Sources/NavarchControlPlane/REST/RESTAPI.swift"), encoding: .utf8)
        var served: Set<String> = []
        for match in source.matches(of: /router\.(get|post|delete)\("([^"\\]+)"/) { served.insert("\(match.1) \(match.2)") }
        for match in source.matches(of: /nodeAction\(router, "([a-z]+)"/) { served.insert("post /v1/nodes/:node_id/\(match.1)") }
        #expect(served.count > 20)
        #expect(documented == served, "documented only: \(documented.subtracting(served).sorted()); served only: \(served.subtracting(documented).sorted())")
    }
}

/// schemathesis, generating requests from `openapi/navarch.yaml` as served, against a live
/// control plane: no answer is a server error, and every answer matches the document.
@Suite(.enabled(if: PeerPython.clients.unavailableReason == nil, "schemathesis cannot run: NAVARCH_CLIENT_PYTHON must name a Python with it (scripts/test.sh installs it)"))
struct RESTContractTests {
    @Test(.timeLimit(.minutes(10)))
    func schemathesisFindsNoServerErrorAndEveryAnswerMatchesTheDocument() async throws {
        var configuration = testConfiguration()
        configuration.heartbeatInterval = .seconds(60)
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: FakeProvider())
        let script = GRPCInteropTests.root.appendingPathComponent("Tests/NavarchControlPlaneTests/Python/schemathesis_run.py").path
        let (status, output) = try await withControlPlane(plane) { endpoints in
            try await withNodeClient(endpoints) { agent in
                for index in 0..<3 { _ = try await agent.register(registration(node: "web-\(index)", instance: "")) }
            }
            return try await PeerPython.clients.run(
                script,
                [
                    "run", "http://127.0.0.1:\(endpoints.httpPort)/openapi.json",
                    "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                    "--exclude-operation-id", "streamEvents", "--max-examples", "30", "--generation-deterministic",
                    "--no-color", "-H", "Authorization: Bearer \(endpoints.adminToken ?? "")",
                ],
                timeout: .seconds(540))
        }
        #expect(status == 0, "\(output.suffix(6000))")
        // "1265 generated, 1265 passed": every generated request's answer held to the document.
        let counts = try #require(output.firstMatch(of: /([0-9]+) generated, ([0-9]+) passed/), "\(output.suffix(2000))")
        #expect(counts.1 == counts.2 && Int(counts.1) ?? 0 > 300, "\(output.suffix(2000))")
    }
}
