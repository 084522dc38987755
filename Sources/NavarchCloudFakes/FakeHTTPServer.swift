import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// An HTTP request as a fake cloud sees it.
public struct FakeHTTPRequest: Sendable {
    public var method: String
    /// The path, without the query.
    public var path: String
    /// Query parameters, decoded.
    public var query: [String: String]
    public var headers: [String: String]
    public var body: [UInt8]

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// A form-encoded body (`application/x-www-form-urlencoded`) as a dictionary.
    public var form: [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
            if let name = parts.first { result[name] = parts.count > 1 ? parts[1] : "" }
        }
        return result
    }
}

/// A fake's answer.
public struct FakeHTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int = 200, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON answer.
    public static func json(_ status: Int = 200, _ value: Any, headers: [String: String] = [:]) -> FakeHTTPResponse {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data()
        return FakeHTTPResponse(status: status, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a }, body: Array(data))
    }

    /// A text answer.
    public static func text(_ status: Int = 200, _ text: String, contentType: String = "text/plain", headers: [String: String] = [:]) -> FakeHTTPResponse {
        FakeHTTPResponse(status: status, headers: headers.merging(["Content-Type": contentType]) { a, _ in a }, body: Array(text.utf8))
    }
}

/// A real HTTP server on loopback that answers with a closure: the base of the fake clouds
/// and metadata services tests run the providers against. Records every request.
public final class FakeHTTPServer: Sendable {
    public typealias Handler = @Sendable (FakeHTTPRequest) async -> FakeHTTPResponse

    /// `http://127.0.0.1:<port>`.
    public let baseURL: String
    public let port: Int
    private let task: Task<Void, any Error>
    private let recorded: RequestLog

    private init(port: Int, task: Task<Void, any Error>, recorded: RequestLog) {
        self.port = port
        self.baseURL = "http://127.0.0.1:\(port)"
        self.task = task
        self.recorded = recorded
    }

    /// Every request so far, in order.
    public var requests: [FakeHTTPRequest] { recorded.all }

    /// Starts a server on a free loopback port.
    public static func start(handler: @escaping Handler) async throws -> FakeHTTPServer {
        let log = RequestLog()
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            let body = try await request.body.collect(upTo: 64 << 20)
            var query: [String: String] = [:]
            // Decoded as a form: `+` is a space (Hummingbird's parameters keep it).
            for pair in (request.uri.query ?? "").split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map {
                    let text = String($0).replacingOccurrences(of: "+", with: " ")
                    return text.removingPercentEncoding ?? text
                }
                if let name = parts.first, query[name] == nil { query[name] = parts.count > 1 ? parts[1] : "" }
            }
            let fake = FakeHTTPRequest(
                method: request.method.rawValue, path: request.uri.path, query: query, headers: headers,
                body: Array(body.readableBytesView))
            log.append(fake)
            let answer = await handler(fake)
            var fields = HTTPFields()
            for (name, value) in answer.headers { if let key = HTTPField.Name(name) { fields[key] = value } }
            return Response(
                status: .init(code: answer.status), headers: fields,
                body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
        var logger = Logger(label: "navarch.fake-http")
        logger.logLevel = .critical
        let (bound, boundContinuation) = AsyncStream<Int>.makeStream()
        let application = Application(
            responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "fake"),
            onServerRunning: { channel in
                boundContinuation.yield(channel.localAddress?.port ?? 0)
                boundContinuation.finish()
            },
            logger: logger)
        let task = Task { try await application.run() }
        var port = 0
        for await value in bound { port = value }
        guard port > 0 else {
            task.cancel()
            throw FakeServerError("the fake HTTP server did not start")
        }
        return FakeHTTPServer(port: port, task: task, recorded: log)
    }

    /// Stops the server.
    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// The requests a server has answered.
final class RequestLog: Sendable {
    private let items = Mutex<[FakeHTTPRequest]>([])
    func append(_ request: FakeHTTPRequest) { items.withLock { $0.append(request) } }
    var all: [FakeHTTPRequest] { items.withLock { $0 } }
}

/// A fake that could not start or was misused.
public struct FakeServerError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
