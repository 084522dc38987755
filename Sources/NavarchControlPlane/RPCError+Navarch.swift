import GRPCCore
import NavarchCore

extension RPCError {
    /// The gRPC status for an error raised while handling a call.
    static func from(_ error: any Error) -> RPCError {
        switch error {
        case let error as RPCError:
            return error
        case let error as NavarchError:
            let code: RPCError.Code =
                switch error.code {
                case .invalidArgument: .invalidArgument
                case .notFound: .notFound
                case .alreadyExists: .alreadyExists
                case .failedPrecondition: .failedPrecondition
                case .unavailable: .unavailable
                case .capacity: .resourceExhausted
                case .unauthenticated: .unauthenticated
                case .permissionDenied: .permissionDenied
                case .resourceExhausted: .resourceExhausted
                default: .internalError
                }
            return RPCError(code: code, message: error.message)
        case let error as IllegalTransition:
            return RPCError(code: .failedPrecondition, message: error.description)
        default:
            return RPCError(code: .internalError, message: "\(error)")
        }
    }
}

/// Runs a handler body, turning domain errors into gRPC statuses.
func mappingErrors<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch { throw RPCError.from(error) }
}
