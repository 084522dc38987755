import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NavarchCore

/// Posts a notification's JSON body, retrying with exponential backoff on a 5xx, a 429 or a
/// lost connection; a 4xx other than 429 is not retried (it will not change).
public struct NotificationPoster: Sendable {
    public var attempts: Int
    public var firstBackoff: Duration
    public var timeout: Duration
    let clock: any NavarchClock

    public init(attempts: Int = 4, firstBackoff: Duration = .milliseconds(500), timeout: Duration = .seconds(10), clock: any NavarchClock = SystemClock()) {
        self.attempts = max(attempts, 1)
        self.firstBackoff = firstBackoff
        self.timeout = timeout
        self.clock = clock
    }

    /// Sends `body` to `url` with `headers`; throws ``NotificationError`` once the attempts are spent.
    public func post(_ body: [UInt8], to url: String, headers: [String: String] = [:]) async throws {
        var backoff = firstBackoff
        var lastProblem = ""
        for attempt in 1...attempts {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "navarch")
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(timeout.milliseconds))
                let answer = try await response.body.collect(upTo: 1 << 20)
                let status = Int(response.status.code)
                if (200..<300).contains(status) { return }
                lastProblem = "HTTP \(status): \(String(buffer: answer).prefix(200))"
                guard status == 429 || status >= 500 else { throw NotificationError(url: url, problem: lastProblem) }
            } catch let error as NotificationError {
                throw error
            } catch {
                lastProblem = "\(error)"
            }
            if attempt < attempts {
                try await clock.sleep(for: backoff)
                backoff = backoff * 2
            }
        }
        throw NotificationError(url: url, problem: "gave up after \(attempts) attempts: \(lastProblem)")
    }
}

/// A notification that could not be delivered.
public struct NotificationError: Error, CustomStringConvertible {
    public var url: String
    public var problem: String
    public var description: String { "notification to \(url) failed: \(problem)" }
}
