import GRPCCore
import Logging
import NavarchCore

/// Authenticates every gRPC call from its `authorization` metadata, checks the method's
/// ``AccessRule`` and the caller's rate limit, and runs the handler (streams included) with
/// the principal set in ``CallPrincipal``. Node calls are checked further by the brain: a
/// node credential only acts for its own node.
struct AuthInterceptor: ServerInterceptor {
    let access: AccessControl
    let logger: Logger

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let method = context.descriptor.fullyQualifiedMethod
        let principal: Principal
        do {
            principal = try access.principal(authorization: request.metadata[stringValues: "authorization"].first(where: { _ in true }))
            try AccessRule.forMethod(method).check(principal, method)
            try access.admit(principal, peer: context.remotePeer)
        } catch {
            logger.notice("call refused", metadata: ["method": "\(method)", "peer": "\(context.remotePeer)", "reason": "\(error.message)"])
            throw RPCError.from(error)
        }
        var response = try await CallPrincipal.$current.withValue(principal) { try await next(request, context) }
        // A stream's messages are produced after `next` returns: they run as the same principal.
        if case .success(var contents) = response.accepted {
            let producer = contents.producer
            contents.producer = { writer in try await CallPrincipal.$current.withValue(principal) { try await producer(writer) } }
            response.accepted = .success(contents)
        }
        return response
    }
}
