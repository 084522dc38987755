import Foundation
import Yams

/// Where the Kubernetes API is and how to authenticate: in-cluster (the pod's service account)
/// or a kubeconfig's current context (token users only), or given outright.
public struct KubernetesSettings: Sendable, Equatable {
    /// `https://10.0.0.1:443`.
    public var server: String
    public var token: String
    /// PEM of the API server's CA; nil for the system's roots (or plain http).
    public var caPEM: String?
    /// Label whose value is the Navarch node id (`navarch.io/node-id`); empty to match the
    /// Kubernetes node by the host name, then by the node id.
    public var nodeLabel: String

    public init(server: String, token: String, caPEM: String? = nil, nodeLabel: String = "") {
        self.server = server
        self.token = token
        self.caPEM = caPEM
        self.nodeLabel = nodeLabel
    }

    public static let serviceAccount = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The pod's service account: `KUBERNETES_SERVICE_HOST`/`_PORT` and the mounted token and CA.
    public static func inCluster(environment: [String: String] = ProcessInfo.processInfo.environment, root: String = serviceAccount) throws -> KubernetesSettings {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"] else {
            throw CoordinatorError("kubernetes", "not running in a cluster (KUBERNETES_SERVICE_HOST is not set); give a kubeconfig")
        }
        let token: String
        do { token = try String(contentsOfFile: root + "/token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) } catch {
            throw CoordinatorError("kubernetes", "cannot read the service account token at \(root)/token: \(error.localizedDescription)")
        }
        let ca = try? String(contentsOfFile: root + "/ca.crt", encoding: .utf8)
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return KubernetesSettings(server: "https://\(bracketed):\(port)", token: token, caPEM: ca)
    }

    /// The current context of a kubeconfig file; its user must have a `token` (or `tokenFile`).
    public static func kubeconfig(path: String) throws -> KubernetesSettings {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CoordinatorError("kubernetes", "cannot read the kubeconfig \(path): \(error.localizedDescription)")
        }
        guard let root = try? Yams.load(yaml: text) as? [String: Any] else { throw CoordinatorError("kubernetes", "\(path) is not a kubeconfig") }
        func named(_ list: String, _ name: String) -> [String: Any]? {
            (root[list] as? [[String: Any]])?.first { $0["name"] as? String == name }
        }
        guard let current = root["current-context"] as? String, let context = named("contexts", current)?["context"] as? [String: Any] else {
            throw CoordinatorError("kubernetes", "\(path) has no current-context")
        }
        guard let clusterName = context["cluster"] as? String, let cluster = named("clusters", clusterName)?["cluster"] as? [String: Any],
              let server = cluster["server"] as? String
        else { throw CoordinatorError("kubernetes", "\(path): the cluster of context \(current) has no server") }
        guard let userName = context["user"] as? String, let user = named("users", userName)?["user"] as? [String: Any] else {
            throw CoordinatorError("kubernetes", "\(path): context \(current) has no user")
        }
        var token = user["token"] as? String ?? ""
        if token.isEmpty, let file = user["tokenFile"] as? String {
            token = (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        }
        guard !token.isEmpty else {
            throw CoordinatorError("kubernetes", "\(path): user \(userName) has no token (client certificates and exec plugins are not supported; use a service-account token)")
        }
        var ca: String?
        if let data = cluster["certificate-authority-data"] as? String, let decoded = Data(base64Encoded: data) {
            ca = String(decoding: decoded, as: UTF8.self)
        } else if let file = cluster["certificate-authority"] as? String {
            ca = try? String(contentsOfFile: file, encoding: .utf8)
        }
        return KubernetesSettings(server: server, token: token, caPEM: ca)
    }
}
