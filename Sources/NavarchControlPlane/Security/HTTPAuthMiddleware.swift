import Hummingbird
import Logging
import NavarchCore

/// Authenticates every HTTP request but the open ones (probes, `/metrics`, the OpenAPI
/// document and the agent binary cloud machines download before they hold a credential),
/// checks the route's rule and the caller's rate limit, and runs the route as that principal.
/// Failures answer 401, 403 or 429 in the REST API's error shape.
struct HTTPAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: AccessControl
    let logger: Logger

    static var openPaths: Set<String> { ["/healthz", "/readyz", "/metrics", "/openapi.json", "/v1/agent/navarch-node"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if Self.openPaths.contains(path) { return try await next(request, context) }
        let principal: Principal
        do {
            principal = try access.principal(authorization: request.headers[.authorization])
            try Self.rule(method: request.method, path: path).check(principal, "\(request.method.rawValue) \(path)")
            try access.admit(principal, peer: "http")
        } catch {
            logger.notice("request refused", metadata: ["path": "\(path)", "method": "\(request.method.rawValue)", "reason": "\(error.message)"])
            throw APIError.from(error)
        }
        return try await CallPrincipal.$current.withValue(principal) { try await next(request, context) }
    }

    /// The rule of a route: the rule of the gRPC method it stands for.
    static func rule(method: HTTPRequest.Method, path: String) -> AccessRule {
        let parts = path.split(separator: "/").map(String.init)
        if path == "/mcp" { return .role(.viewer) }
        if method == .get || method == .head { return AccessRule.forMethod(parts.starts(with: ["v1", "tokens"]) ? "ListTokens" : "ListNodes") }
        switch (method, parts.count > 1 ? parts[1] : "", parts.last ?? "") {
        case (.post, "pools", "queue"): return AccessRule.forMethod("ReportQueue")
        case (.post, "nodes", _), (.post, "breakers", _): return AccessRule.forMethod("CordonNode")
        default: return AccessRule.forMethod("CreatePool")
        }
    }
}
