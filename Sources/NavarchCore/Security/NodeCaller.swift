/// Who makes a node-API call, as the control plane authenticated it.
public enum NodeCaller: Sendable, Equatable {
    /// An admin token's holder acting for the node: enrolling a machine by hand, or a tool
    /// driving the fleet. An admin can do more than any node already.
    case admin
    /// The node's own agent, with the hash of the credential it presented (none on a first
    /// registration, which a join token vouches for) and the node id the credential names.
    case agent(credentialHash: String?, credentialNodeID: String? = nil)

    /// The caller a principal is for node calls; nil when it may not make them.
    public init?(_ principal: Principal) {
        switch principal {
        case .token(_, .admin): self = .admin
        case .node(let id, let hash): self = .agent(credentialHash: hash, credentialNodeID: id)
        case .anonymous: self = .agent(credentialHash: nil)
        case .token: return nil
        }
    }
}
