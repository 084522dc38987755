/// Who may make a call. The table of every gRPC method's rule lives here, so that gRPC,
/// REST and MCP check the same thing; a method missing from it needs an admin.
public enum AccessRule: Sendable, Equatable {
    /// A node agent acting as itself (an admin may act for any node: it can do more already).
    case node
    /// A node's registration: as `node`, or with no credential at all, when the machine's
    /// join token (checked by the brain) vouches for its first one.
    case joining
    /// A token holder with at least this role.
    case role(Role)

    /// The rule for a gRPC method, by its full name (`navarch.v1.AdminService/ListNodes`).
    public static func forMethod(_ method: String) -> AccessRule {
        if method == "navarch.v1.NodeService/Register" { return .joining }
        if method.hasPrefix("navarch.v1.NodeService/") { return .node }
        switch method.split(separator: "/").last.map(String.init) ?? "" {
        case "ListNodes", "GetNode", "ListInstances", "ListPools", "ListEvents", "WatchEvents", "GetServerInfo", "GetHealthPolicy", "WhoAmI":
            return .role(.viewer)
        case "CordonNode", "DrainNode", "UncordonNode", "RunDiagnostic", "ResetBreaker", "ReportQueue":
            return .role(.operator)
        default:
            return .role(.admin)
        }
    }

    /// Checks `principal` against the rule: an `unauthenticated` error when it presented no
    /// credential, `permissionDenied` when its credential does not allow `what`.
    public func check(_ principal: Principal, _ what: String) throws(NavarchError) {
        if self == .joining, principal == .anonymous { return }
        let needed: Role?
        switch self {
        case .node, .joining: needed = nil
        case .role(let role): needed = role
        }
        switch principal {
        case .anonymous:
            throw NavarchError(.unauthenticated, "\(what) needs a credential: send a bearer token (NAVARCH_TOKEN or ~/.config/navarch/token)")
        case .node(let id, _):
            if let needed {
                throw NavarchError(.permissionDenied, "\(what) needs the \(needed.rawValue) role; node \(id)'s credential is for its own agent calls")
            }
        case .token(let name, let role):
            if let needed {
                guard role >= needed else {
                    throw NavarchError(.permissionDenied, "\(what) needs the \(needed.rawValue) role; token '\(name)' is \(role.rawValue)")
                }
            } else if role != .admin {
                throw NavarchError(.permissionDenied, "\(what) is for node agents; token '\(name)' is \(role.rawValue)")
            }
        }
    }
}
