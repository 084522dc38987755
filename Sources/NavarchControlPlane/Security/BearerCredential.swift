import Foundation
import NavarchCore

/// What a call's `authorization: Bearer ...` carries: a person's or tool's token
/// (`nvt1.ID.SECRET`) or a node's credential (`nvn1.NODE.SECRET`).
enum BearerCredential: Equatable {
    case token(id: String, secret: String)
    case node(id: String, secret: String)

    static let tokenPrefix = "nvt1."
    static let nodePrefix = "nvn1."

    /// The credential in an `authorization` header value; nil when there is none.
    static func parse(authorization value: String?) throws(NavarchError) -> BearerCredential? {
        guard let value, !value.isEmpty else { return nil }
        guard value.count <= 512 else { throw NavarchError(.unauthenticated, "the authorization header is too long") }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw NavarchError(.unauthenticated, "the authorization header must be 'Bearer TOKEN'")
        }
        let text = String(parts[1]).trimmingCharacters(in: .whitespaces)
        for (prefix, isNode) in [(tokenPrefix, false), (nodePrefix, true)] where text.hasPrefix(prefix) {
            let rest = text.dropFirst(prefix.count)
            guard let dot = rest.lastIndex(of: "."), dot != rest.startIndex, rest.index(after: dot) != rest.endIndex else { break }
            let id = String(rest[..<dot]), secret = String(rest[rest.index(after: dot)...])
            return isNode ? .node(id: id, secret: secret) : .token(id: id, secret: secret)
        }
        throw NavarchError(.unauthenticated, "the bearer token is malformed: expected a Navarch token (nvt1.…) or node credential (nvn1.…)")
    }

    /// A new token: its id, secret and the text its holder sends.
    static func mintToken() -> (id: String, secret: String, text: String) {
        let id = String(Secrets.random(bytes: 9).map { $0 == "-" || $0 == "_" ? "x" : $0 })
        let secret = Secrets.random()
        return (id, secret, tokenPrefix + id + "." + secret)
    }

    /// A new credential for `nodeID`: its secret and the text the agent sends.
    static func mintNode(_ nodeID: String) -> (secret: String, text: String) {
        let secret = Secrets.random()
        return (secret, nodePrefix + nodeID + "." + secret)
    }
}
