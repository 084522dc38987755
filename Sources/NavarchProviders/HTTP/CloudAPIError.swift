import NavarchCore

/// A cloud API call that failed, typed so that callers can decide what to do: fail over on
/// `capacity`, retry on `throttled`/`server`/`transport`, stop on the rest.
public struct CloudAPIError: Error, CapacityError, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Kind: String, Sendable, Equatable {
        /// The cloud has no capacity for the request here (zone, region); try elsewhere.
        case capacity
        /// Too many requests; the same request later will succeed.
        case throttled
        /// The cloud failed (5xx); the same request later may succeed.
        case server
        /// No answer: connection refused or reset, DNS, timeout.
        case transport
        /// The credentials were refused or lack permission.
        case authentication
        /// The resource does not exist.
        case notFound
        /// The request is wrong and will stay wrong.
        case invalidRequest
        /// An answer this client could not read.
        case malformedResponse
    }

    public var provider: String
    public var operation: String
    public var kind: Kind
    /// The HTTP status, when there was an answer.
    public var status: Int?
    /// The cloud's own error code (`InsufficientInstanceCapacity`, `ZONE_RESOURCE_POOL_EXHAUSTED`).
    public var code: String
    public var message: String
    /// Seconds the cloud asked to wait before retrying (`Retry-After`).
    public var retryAfterSeconds: Double?

    public init(
        provider: String, operation: String, kind: Kind, status: Int? = nil, code: String = "", message: String,
        retryAfterSeconds: Double? = nil
    ) {
        self.provider = provider
        self.operation = operation
        self.kind = kind
        self.status = status
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// True when the cloud has no capacity for the request here.
    public var isInsufficientCapacity: Bool { kind == .capacity }

    /// True for failures that the same request may get past later.
    public var isRetryable: Bool { [.throttled, .server, .transport].contains(kind) }

    public var description: String {
        var text = "\(provider) \(operation): "
        if !code.isEmpty { text += code }
        if let status { text += code.isEmpty ? "HTTP \(status)" : " (HTTP \(status))" }
        if !message.isEmpty { text += (code.isEmpty && status == nil ? "" : ": ") + message }
        return text
    }
}
