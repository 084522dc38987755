import Foundation
import GRPCCore
import Hummingbird
import NavarchCore

/// The REST API's one error shape, `{"error": {"code": "...", "message": "...", "field": "..."}}`,
/// with a status that means what it says: 400 for a request that cannot be read (bad JSON, a
/// wrong type, an unknown field or parameter), 422 for a value the fleet refuses, 404, 409 for
/// an illegal transition or a name taken, 429, 503.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    /// `bad_request`, `invalid_argument`, `not_found`, `conflict`, ...
    let code: String
    let message: String
    /// The field or parameter at fault, when one is.
    let field: String?

    init(_ status: HTTPResponse.Status, code: String, _ message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    static func badRequest(_ message: String, field: String? = nil) -> APIError {
        APIError(.badRequest, code: "bad_request", message, field: field)
    }

    /// The same failure as the gRPC API gives, in HTTP's terms.
    static func from(_ error: any Error) -> APIError {
        if let error = error as? APIError { return error }
        let status = RPCError.from(error)
        switch status.code {
        case .invalidArgument: return APIError(.unprocessableContent, code: "invalid_argument", status.message)
        case .notFound: return APIError(.notFound, code: "not_found", status.message)
        case .alreadyExists: return APIError(.conflict, code: "already_exists", status.message)
        case .failedPrecondition: return APIError(.conflict, code: "failed_precondition", status.message)
        case .resourceExhausted: return APIError(.tooManyRequests, code: "resource_exhausted", status.message)
        case .unavailable: return APIError(.serviceUnavailable, code: "unavailable", status.message)
        case .unauthenticated: return APIError(.unauthorized, code: "unauthenticated", status.message)
        case .permissionDenied: return APIError(.forbidden, code: "permission_denied", status.message)
        default: return APIError(.internalServerError, code: "internal", status.message)
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var error: [String: String] = ["code": code, "message": message]
        if let field { error["field"] = field }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(["error": error])
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
