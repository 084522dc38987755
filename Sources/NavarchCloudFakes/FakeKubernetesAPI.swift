import Foundation
import Synchronization

/// A loopback Kubernetes API server with the few endpoints a drain uses, answering in the API's
/// documented shapes: nodes (get, list by label selector, strategic-merge PATCH of
/// `spec.unschedulable`), pods (list by `spec.nodeName` field selector) and the Eviction
/// subresource (`policy/v1`), which answers 429 while a PodDisruptionBudget forbids the
/// eviction. Bearer-token authentication; errors are `Status` objects.
public final class FakeKubernetesAPI: Sendable {
    public struct Pod: Sendable, Equatable {
        public var namespace: String
        public var name: String
        public var node: String
        public var phase: String
        public var ownerKind: String
        public var mirror: Bool
        /// Evictions refused (429) before one is allowed, as a disruption budget would.
        public var budgetRefusals: Int

        public init(namespace: String = "default", name: String, node: String, phase: String = "Running", ownerKind: String = "ReplicaSet", mirror: Bool = false, budgetRefusals: Int = 0) {
            self.namespace = namespace
            self.name = name
            self.node = node
            self.phase = phase
            self.ownerKind = ownerKind
            self.mirror = mirror
            self.budgetRefusals = budgetRefusals
        }
    }

    struct State {
        var nodes: [String: (labels: [String: String], unschedulable: Bool)] = [:]
        var pods: [Pod] = []
        var evictions: [String] = []
    }

    /// The API's objects, shared with the request handler.
    final class Storage: Sendable {
        let state = Mutex(State())
        let token: String
        init(token: String) { self.token = token }
    }

    public var token: String { storage.token }
    private let storage: Storage
    private let server: FakeHTTPServer

    private init(storage: Storage, server: FakeHTTPServer) {
        self.storage = storage
        self.server = server
    }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { server.baseURL }
    public var requests: [FakeHTTPRequest] { server.requests }

    public static func start(token: String = "sa-token") async throws -> FakeKubernetesAPI {
        let storage = Storage(token: token)
        let server = try await FakeHTTPServer.start { request in Self.answer(request, storage) }
        return FakeKubernetesAPI(storage: storage, server: server)
    }

    public func stop() async { await server.stop() }

    public func addNode(_ name: String, labels: [String: String] = [:]) {
        storage.state.withLock { $0.nodes[name] = (labels, false) }
    }

    public func addPod(_ pod: Pod) {
        storage.state.withLock { $0.pods.append(pod) }
    }

    public func isUnschedulable(_ node: String) -> Bool? { storage.state.withLock { $0.nodes[node]?.unschedulable } }
    public var pods: [Pod] { storage.state.withLock { $0.pods } }
    /// `namespace/name` of every eviction allowed, in order.
    public var evictions: [String] { storage.state.withLock { $0.evictions } }

    static func answer(_ request: FakeHTTPRequest, _ storage: Storage) -> FakeHTTPResponse {
        guard request.header("authorization") == "Bearer \(storage.token)" else { return status(401, "Unauthorized", "Unauthorized") }
        let parts = request.path.split(separator: "/").map(String.init)
        switch (request.method, parts.count) {
        case ("GET", 3) where parts == ["api", "v1", "nodes"]:
            let selector = request.query["labelSelector"] ?? ""
            let wanted = selector.split(separator: "=", maxSplits: 1).map(String.init)
            let items = storage.state.withLock { state in
                state.nodes.filter { wanted.count < 2 || $0.value.labels[wanted[0]] == wanted[1] }.sorted { $0.key < $1.key }
                    .map { nodeObject($0.key, $0.value.labels, $0.value.unschedulable) }
            }
            return .json(200, ["kind": "NodeList", "apiVersion": "v1", "metadata": [:] as [String: Any], "items": items])
        case ("GET", 4) where parts.prefix(3) == ["api", "v1", "nodes"]:
            guard let node = storage.state.withLock({ $0.nodes[parts[3]] }) else { return status(404, "NotFound", "nodes \"\(parts[3])\" not found") }
            return .json(200, nodeObject(parts[3], node.labels, node.unschedulable))
        case ("PATCH", 4) where parts.prefix(3) == ["api", "v1", "nodes"]:
            guard request.header("content-type") == "application/strategic-merge-patch+json" else {
                return status(415, "UnsupportedMediaType", "the body of the request was in an unknown format")
            }
            guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                  let value = (body["spec"] as? [String: Any])?["unschedulable"] as? Bool
            else { return status(400, "BadRequest", "expected spec.unschedulable") }
            let found = storage.state.withLock { state -> ([String: String], Bool)? in
                guard var node = state.nodes[parts[3]] else { return nil }
                node.unschedulable = value
                state.nodes[parts[3]] = node
                return (node.labels, value)
            }
            guard let found else { return status(404, "NotFound", "nodes \"\(parts[3])\" not found") }
            return .json(200, nodeObject(parts[3], found.0, found.1))
        case ("GET", 3) where parts == ["api", "v1", "pods"]:
            let selector = request.query["fieldSelector"] ?? ""
            let node = selector.hasPrefix("spec.nodeName=") ? String(selector.dropFirst("spec.nodeName=".count)) : nil
            let items = storage.state.withLock { $0.pods.filter { node == nil || $0.node == node }.map(podObject) }
            return .json(200, ["kind": "PodList", "apiVersion": "v1", "metadata": [:] as [String: Any], "items": items])
        case ("POST", 7) where parts.prefix(3) == ["api", "v1", "namespaces"] && parts[4] == "pods" && parts[6] == "eviction":
            guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                  body["apiVersion"] as? String == "policy/v1", body["kind"] as? String == "Eviction",
                  (body["metadata"] as? [String: Any])?["name"] as? String == parts[5]
            else { return status(400, "BadRequest", "expected a policy/v1 Eviction naming the pod") }
            enum Outcome { case missing, refused, evicted }
            let outcome = storage.state.withLock { state -> Outcome in
                guard let index = state.pods.firstIndex(where: { $0.namespace == parts[3] && $0.name == parts[5] }) else { return .missing }
                if state.pods[index].budgetRefusals > 0 {
                    state.pods[index].budgetRefusals -= 1
                    return .refused
                }
                state.pods.remove(at: index)
                state.evictions.append("\(parts[3])/\(parts[5])")
                return .evicted
            }
            switch outcome {
            case .missing: return status(404, "NotFound", "pods \"\(parts[5])\" not found")
            case .refused: return status(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.")
            case .evicted: return .json(201, ["kind": "Status", "apiVersion": "v1", "metadata": [:] as [String: Any], "status": "Success", "code": 201])
            }
        default:
            return status(404, "NotFound", "the server could not find the requested resource")
        }
    }

    static func nodeObject(_ name: String, _ labels: [String: String], _ unschedulable: Bool) -> [String: Any] {
        ["kind": "Node", "apiVersion": "v1", "metadata": ["name": name, "labels": labels] as [String: Any], "spec": ["unschedulable": unschedulable]]
    }

    static func podObject(_ pod: Pod) -> [String: Any] {
        var metadata: [String: Any] = ["name": pod.name, "namespace": pod.namespace, "ownerReferences": [["kind": pod.ownerKind, "name": "owner"]]]
        if pod.mirror { metadata["annotations"] = ["kubernetes.io/config.mirror": "abc"] }
        return ["kind": "Pod", "apiVersion": "v1", "metadata": metadata, "spec": ["nodeName": pod.node], "status": ["phase": pod.phase]]
    }

    static func status(_ code: Int, _ reason: String, _ message: String) -> FakeHTTPResponse {
        .json(code, ["kind": "Status", "apiVersion": "v1", "metadata": [:] as [String: Any], "status": "Failure", "message": message, "reason": reason, "code": code])
    }
}
