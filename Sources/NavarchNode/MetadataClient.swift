import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 client for cloud metadata services (plain HTTP on a link-local address):
/// one request per connection, run on a thread of its own so that a long poll never holds a
/// thread of the cooperative pool. Keeps the agent free of an HTTP client library.
public struct MetadataClient: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Longest wait for an answer.
    public var timeout: Duration

    public init(timeout: Duration = .seconds(5)) { self.timeout = timeout }

    /// The clouds whose metadata services the agent reads.
    public static let clouds = ["aws", "gcp", "azure"]

    /// `endpoint` without a trailing `/`, or the cloud's own metadata address; throws for a
    /// cloud it does not know.
    static func baseURL(cloud: String, endpoint: String?) throws -> String {
        guard clouds.contains(cloud) else { throw Failure(description: "unknown cloud '\(cloud)'; expected aws, gcp or azure") }
        var base = endpoint ?? (cloud == "gcp" ? "http://metadata.google.internal" : "http://169.254.169.254")
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    private static let queue = DispatchQueue(label: "navarch.metadata", attributes: .concurrent)

    public func send(_ method: String, _ url: String, headers: [(String, String)] = []) async throws -> Response {
        let timeout = self.timeout
        return try await withCheckedThrowingContinuation { continuation in
            Self.queue.async {
                continuation.resume(with: Result { try Self.perform(method, url, headers: headers, timeout: timeout) })
            }
        }
    }

    static func perform(_ method: String, _ url: String, headers: [(String, String)], timeout: Duration) throws -> Response {
        guard let components = URLComponents(string: url), components.scheme == "http", let host = components.host else {
            throw Failure(description: "metadata endpoint \(url) is not an http:// URL")
        }
        let port = components.port ?? 80
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, "\(port)", &hints, &list) == 0, let address = list else {
            throw Failure(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        let socket = Glibc.socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        guard socket >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(socket) }
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else {
            throw Failure(description: "cannot connect to \(host):\(port): \(String(cString: strerror(errno)))")
        }
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?" + query }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nContent-Length: 0\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        guard bytes.withUnsafeBytes({ Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count else {
            throw Failure(description: "cannot send to \(host):\(port)")
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count > 0 { answer += buffer[0..<count]; continue }
            if count == 0 { break }
            throw Failure(description: "no answer from \(host):\(port) within \(timeout)")
        }
        guard let split = answer.firstRange(of: Array("\r\n\r\n".utf8)) else { throw Failure(description: "malformed HTTP answer from \(host)") }
        let head = String(decoding: answer[..<split.lowerBound], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first ?? ""
        guard let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw Failure(description: "malformed status line from \(host): \(statusLine)")
        }
        return Response(status: status, body: Array(answer[split.upperBound...]))
    }
}
