/// One HTTP call to a cloud API.
public struct CloudRequest: Sendable {
    /// The API operation, for logs, errors and call counts (`RunInstances`, `instances.insert`).
    public var operation: String
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Whether sending it twice does no more than sending it once (a client token, a request
    /// id, a PUT). Decides whether a 5xx or a timeout is retried.
    public var idempotent: Bool

    public init(
        operation: String, method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        idempotent: Bool
    ) {
        self.operation = operation
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.idempotent = idempotent
    }
}

/// A cloud API's answer.
public struct CloudResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// `Retry-After` in seconds, when given as a number.
    public var retryAfterSeconds: Double? { header("retry-after").flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } }
}
