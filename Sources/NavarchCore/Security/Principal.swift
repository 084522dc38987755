/// Who is calling, as the control plane established it from the call's credentials, never
/// from what the call says of itself.
public enum Principal: Sendable, Equatable, CustomStringConvertible {
    /// No credential was presented.
    case anonymous
    /// The holder of a bearer token: a person or a tool, by the token's name.
    case token(name: String, role: Role)
    /// A node agent, by the node id its credential was issued to; `credentialHash` is the
    /// hash of the secret it presented, which the brain compares with the one it issued.
    case node(id: String, credentialHash: String)

    /// The name recorded as the actor of what this principal does.
    public var actorName: String {
        switch self {
        case .anonymous: "anonymous"
        case .token(let name, _): name
        case .node(let id, _): "node:\(id)"
        }
    }

    /// The role of a token holder; nil for nodes and anonymous callers.
    public var role: Role? {
        if case .token(_, let role) = self { return role }
        return nil
    }

    public var description: String {
        switch self {
        case .anonymous: "an anonymous caller"
        case .token(let name, let role): "token '\(name)' (\(role.rawValue))"
        case .node(let id, _): "node \(id)"
        }
    }
}
