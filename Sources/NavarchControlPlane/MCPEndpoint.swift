import Foundation
import GRPCCore
import GRPCInProcessTransport
import HTTPTypes
import Hummingbird
import Logging
import MCP
import NavarchClient
import NavarchCore
import NavarchMCP
import Synchronization

/// Streamable HTTP MCP at `/mcp`: an `initialize` POST without a session opens one (its own MCP
/// server and transport, named by the `Mcp-Session-Id` the answer carries); later POSTs, the
/// GET event stream and the closing DELETE name it. The tools reach the fleet through this
/// control plane's own gRPC API (in-process: the same services and interceptor, no socket), as
/// `navarch mcp` does, so both serve the same answers.
/// The transport accepts local `Host`s and `Origin`s only (DNS-rebinding protection).
/// A session belongs to the principal that opened it: its tools call the gRPC API with that
/// caller's bearer token, so each tool is checked for the caller's role there, and a request
/// naming the session with another principal's token is refused.
final class MCPEndpoint: Sendable {
    static let maximumSessions = 256
    static let sessionHeader = HTTPTypes.HTTPField.Name("Mcp-Session-Id")!

    private struct Session: Sendable {
        let server: Server
        let transport: StatefulHTTPServerTransport
        let principal: Principal
    }

    private let sessions = Mutex<[String: Session]>([:])
    private let grpc: GRPCClient<InProcessTransport.Client>
    private let logger: Logger

    /// The credential the in-process client sends: the calling session's.
    @TaskLocal static var credential: String?

    /// The interceptor the in-process gRPC client needs, to send each session's credential.
    static let bearer = BearerInterceptor { MCPEndpoint.credential }

    /// `grpc` is a running client of this control plane's own gRPC services, with ``bearer``.
    init(grpc: GRPCClient<InProcessTransport.Client>, logger: Logger) {
        self.grpc = grpc
        self.logger = logger
    }

    /// The tools of a session, calling the gRPC API with the session owner's credential.
    func tools(credential: String?) -> NavarchTools {
        let grpc = grpc
        return NavarchTools { body in
            try await MCPEndpoint.$credential.withValue(credential) {
                try await body(NavarchClient(running: grpc, server: "this control plane"))
            }
        }
    }

    func add(to router: Router<BasicRequestContext>) {
        for method in [HTTPTypes.HTTPRequest.Method.post, .get, .delete] {
            router.on("/mcp", method: method) { request, _ in try await self.handle(request) }
        }
    }

    func handle(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 4 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let message = MCP.HTTPRequest(
            method: request.method.rawValue, headers: headers, body: body.readableBytes > 0 ? Data(body.readableBytesView) : nil, path: request.uri.path)
        let transport: StatefulHTTPServerTransport
        let named = request.headers[Self.sessionHeader]
        if let named {
            guard let session = sessions.withLock({ $0[named] }) else {
                return Self.jsonRPCError(.notFound, "unknown or closed MCP session \(named); initialize a new one")
            }
            guard session.principal.actorName == CallPrincipal.current.actorName else {
                return Self.jsonRPCError(.forbidden, "MCP session \(named) belongs to another caller")
            }
            transport = session.transport
        } else {
            guard sessions.withLock({ $0.count }) < Self.maximumSessions else {
                return Self.jsonRPCError(.serviceUnavailable, "too many MCP sessions (\(Self.maximumSessions)); close one with DELETE /mcp")
            }
            transport = StatefulHTTPServerTransport(logger: logger)
            let tools = tools(credential: Self.bearer(request))
            let server = try await NavarchMCPServer.start(on: transport, tools: tools, version: ControlPlane.version)
            let answer = await transport.handleRequest(message)
            if let id = answer.headers.first(where: { $0.key.lowercased() == "mcp-session-id" })?.value {
                sessions.withLock { $0[id] = Session(server: server, transport: transport, principal: CallPrincipal.current) }
            } else {
                await server.stop()
            }
            return Self.response(answer)
        }
        let answer = await transport.handleRequest(message)
        if request.method == .delete, let named, answer.statusCode < 300 {
            if let session = sessions.withLock({ $0.removeValue(forKey: named) }) { await session.server.stop() }
        }
        return Self.response(answer)
    }

    /// The token text of the request's `Authorization: Bearer` header.
    static func bearer(_ request: Request) -> String? {
        guard let value = request.headers[.authorization], value.lowercased().hasPrefix("bearer ") else { return nil }
        return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    /// Stops every session's server.
    func closeAll() async {
        let all = sessions.withLock { sessions in defer { sessions = [:] }; return Array(sessions.values) }
        for session in all { await session.server.stop() }
    }

    static func response(_ answer: MCP.HTTPResponse) -> Response {
        var headers = HTTPTypes.HTTPFields()
        for (name, value) in answer.headers { if let field = HTTPTypes.HTTPField.Name(name) { headers[field] = value } }
        let status = HTTPTypes.HTTPResponse.Status(code: answer.statusCode)
        switch answer {
        case .stream(let stream, _):
            return Response(status: status, headers: headers, body: ResponseBody { writer in
                for try await chunk in stream { try await writer.write(ByteBuffer(bytes: chunk)) }
                try await writer.finish(nil)
            })
        default:
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.bodyData ?? Data())))
        }
    }

    static func jsonRPCError(_ status: HTTPTypes.HTTPResponse.Status, _ message: String) -> Response {
        let body = try? JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "error": ["code": -32600, "message": message], "id": NSNull()])
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body ?? Data())))
    }
}
