import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import NavarchCore

/// Tells Kubernetes: the node object matching the Navarch node is marked unschedulable, and its
/// pods are evicted through the Eviction API (`policy/v1`), which respects PodDisruptionBudgets
/// (an eviction the budget forbids is answered 429 and tried again on the next `drain`).
/// DaemonSet pods and mirror (static) pods are left, as `kubectl drain` leaves them.
public final class KubernetesCoordinator: Coordinator {
    public let name = "kubernetes"
    public let settings: KubernetesSettings
    private let client: HTTPClient

    public init(settings: KubernetesSettings) throws {
        self.settings = settings
        if let pem = settings.caPEM {
            var tls = TLSConfiguration.makeClientConfiguration()
            do { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))) } catch {
                throw CoordinatorError(name, "the cluster's CA certificate cannot be read: \(error)")
            }
            client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        } else {
            client = HTTPClient.shared
        }
    }

    public func cordon(_ node: CoordinatedNode, reason: String) async throws {
        try await setUnschedulable(true, node)
    }

    public func uncordon(_ node: CoordinatedNode) async throws {
        try await setUnschedulable(false, node)
    }

    public func drain(_ node: CoordinatedNode, reason: String) async throws {
        let nodeName = try await kubernetesName(of: node)
        try await setUnschedulable(true, nodeName: nodeName)
        for pod in try await pods(on: nodeName) where pod.mustMove {
            try await evict(pod)
        }
    }

    public func isDrained(_ node: CoordinatedNode) async throws -> Bool {
        let nodeName = try await kubernetesName(of: node)
        let left = try await pods(on: nodeName).filter(\.mustMove)
        if !left.isEmpty {
            // Evictions a budget refused earlier are tried again.
            for pod in left { try await evict(pod) }
        }
        return left.isEmpty
    }

    // MARK: - API calls

    struct Pod: Equatable {
        var name: String
        var namespace: String
        var phase: String
        var ownerKinds: [String]
        var mirror: Bool

        /// Running work that `drain` moves: not finished, not a DaemonSet's, not a static pod.
        var mustMove: Bool { phase != "Succeeded" && phase != "Failed" && !ownerKinds.contains("DaemonSet") && !mirror }
    }

    /// The Kubernetes node name: by label when configured, else the host name, else the node id.
    func kubernetesName(of node: CoordinatedNode) async throws -> String {
        if !settings.nodeLabel.isEmpty {
            let selector = "\(settings.nodeLabel)=\(node.id)".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let list = try await call("GET", "/api/v1/nodes?labelSelector=\(selector)")
            let names = ((list["items"] as? [[String: Any]]) ?? []).compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
            guard let name = names.first else { throw CoordinatorError(name, "no Kubernetes node has label \(settings.nodeLabel)=\(node.id)") }
            guard names.count == 1 else { throw CoordinatorError(self.name, "\(names.count) Kubernetes nodes have label \(settings.nodeLabel)=\(node.id): \(names.joined(separator: ", "))") }
            return name
        }
        for candidate in [node.hostname, node.id] where !candidate.isEmpty {
            let (status, _) = try await send("GET", "/api/v1/nodes/\(candidate)")
            if status == 200 { return candidate }
        }
        throw CoordinatorError(name, "no Kubernetes node is named \([node.hostname, node.id].filter { !$0.isEmpty }.joined(separator: " or "))")
    }

    func setUnschedulable(_ value: Bool, _ node: CoordinatedNode) async throws {
        try await setUnschedulable(value, nodeName: try await kubernetesName(of: node))
    }

    func setUnschedulable(_ value: Bool, nodeName: String) async throws {
        _ = try await call(
            "PATCH", "/api/v1/nodes/\(nodeName)", body: ["spec": ["unschedulable": value]],
            contentType: "application/strategic-merge-patch+json")
    }

    func pods(on nodeName: String) async throws -> [Pod] {
        let selector = "spec.nodeName=\(nodeName)".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let list = try await call("GET", "/api/v1/pods?fieldSelector=\(selector)")
        return ((list["items"] as? [[String: Any]]) ?? []).compactMap { item in
            guard let metadata = item["metadata"] as? [String: Any], let name = metadata["name"] as? String else { return nil }
            let owners = (metadata["ownerReferences"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
            let annotations = metadata["annotations"] as? [String: String] ?? [:]
            return Pod(
                name: name, namespace: metadata["namespace"] as? String ?? "default",
                phase: (item["status"] as? [String: Any])?["phase"] as? String ?? "", ownerKinds: owners,
                mirror: annotations["kubernetes.io/config.mirror"] != nil)
        }
    }

    /// POST an Eviction. 429 (a disruption budget forbids it now) and 404 (gone) are not errors.
    func evict(_ pod: Pod) async throws {
        let body: [String: Any] = [
            "apiVersion": "policy/v1", "kind": "Eviction", "metadata": ["name": pod.name, "namespace": pod.namespace],
        ]
        let (status, answer) = try await send("POST", "/api/v1/namespaces/\(pod.namespace)/pods/\(pod.name)/eviction", body: body)
        guard (200..<300).contains(status) || status == 429 || status == 404 else {
            throw CoordinatorError(name, "evicting \(pod.namespace)/\(pod.name): HTTP \(status): \(Self.message(answer))")
        }
    }

    func call(_ method: String, _ path: String, body: [String: Any]? = nil, contentType: String = "application/json") async throws -> [String: Any] {
        let (status, answer) = try await send(method, path, body: body, contentType: contentType)
        guard (200..<300).contains(status) else {
            throw CoordinatorError(name, "\(method) \(path.split(separator: "?").first ?? ""): HTTP \(status): \(Self.message(answer))")
        }
        return answer
    }

    func send(_ method: String, _ path: String, body: [String: Any]? = nil, contentType: String = "application/json") async throws -> (Int, [String: Any]) {
        var request = HTTPClientRequest(url: settings.server + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(settings.token)")
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])))
        }
        let response: HTTPClientResponse
        do { response = try await client.execute(request, timeout: .seconds(30)) } catch {
            throw CoordinatorError(name, "cannot reach the API server at \(settings.server): \(error)")
        }
        let data = try await response.body.collect(upTo: 32 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(data.readableBytesView))) as? [String: Any] ?? [:]
        return (Int(response.status.code), object)
    }

    /// The `message` of a Kubernetes `Status`.
    static func message(_ answer: [String: Any]) -> String {
        answer["message"] as? String ?? "(no message)"
    }
}
