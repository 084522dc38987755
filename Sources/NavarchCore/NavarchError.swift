/// An error with a code that maps onto gRPC status codes and CLI exit messages.
public struct NavarchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure. Extensible by adding static members.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let invalidArgument = Code("invalid argument")
        public static let notFound = Code("not found")
        public static let alreadyExists = Code("already exists")
        public static let failedPrecondition = Code("failed precondition")
        public static let unavailable = Code("unavailable")
        public static let capacity = Code("insufficient capacity")
        public static let unauthenticated = Code("unauthenticated")
        /// The caller is known but may not do this.
        public static let permissionDenied = Code("permission denied")
        /// The caller is over its rate or concurrency limit, or the message is too large.
        public static let resourceExhausted = Code("resource exhausted")
        public static let `internal` = Code("internal")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public static func invalidArgument(_ message: String) -> NavarchError { .init(.invalidArgument, message) }
    public static func notFound(_ message: String) -> NavarchError { .init(.notFound, message) }
    public static func alreadyExists(_ message: String) -> NavarchError { .init(.alreadyExists, message) }
    public static func failedPrecondition(_ message: String) -> NavarchError { .init(.failedPrecondition, message) }
}
