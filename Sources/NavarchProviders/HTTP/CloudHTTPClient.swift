import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NavarchCore

/// Sends a provider's API calls: a timeout on every call, retries with backoff and jitter on
/// throttling, 5xx and lost connections (never on a 4xx that will not change), and a count
/// of every call in the ``ProviderCallLog``.
public struct CloudHTTPClient: Sendable {
    /// Turns a response that is not a success into the cloud's typed error.
    public typealias ErrorDecoder = @Sendable (_ operation: String, _ response: CloudResponse) -> CloudAPIError

    public let provider: String
    public var retry: RetryPolicy
    /// Per attempt, from sending the request to the last byte of the answer.
    public var timeout: Duration
    public let calls: ProviderCallLog
    /// Slows this client down while the cloud throttles it.
    public let throttle = AdaptiveThrottle()
    private let decodeError: ErrorDecoder
    private let clock: any NavarchClock
    private let logger: Logger
    /// Answers larger than this are refused.
    static let maxResponseBytes = 32 << 20

    public init(
        provider: String, retry: RetryPolicy = RetryPolicy(), timeout: Duration = .seconds(30), calls: ProviderCallLog,
        clock: any NavarchClock = SystemClock(), logger: Logger, decodeError: @escaping ErrorDecoder
    ) {
        self.provider = provider
        self.retry = retry
        self.timeout = timeout
        self.calls = calls
        self.clock = clock
        self.logger = logger
        self.decodeError = decodeError
    }

    /// Sends `request`, calling `prepare` before each attempt (to sign it or add a fresh token),
    /// and returns the first 2xx answer or throws a ``CloudAPIError``.
    public func send(
        _ request: CloudRequest, prepare: @Sendable (inout CloudRequest) async throws -> Void = { _ in }
    ) async throws -> CloudResponse {
        var generator = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            var prepared = request
            try await prepare(&prepared)
            try await throttle.acquire()
            calls.attempt(provider: provider, operation: request.operation, retry: attempt > 1)
            let error: CloudAPIError
            do {
                let response = try await perform(prepared)
                if (200..<300).contains(response.status) {
                    await throttle.record(throttled: false)
                    return response
                }
                error = decodeError(request.operation, response)
            } catch let failure as CloudAPIError {
                error = failure
            }
            if error.kind == .throttled { await throttle.record(throttled: true) }
            calls.failure(provider: provider, operation: request.operation, kind: error.kind)
            guard let wait = retry.delay(afterAttempt: attempt, error: error, idempotent: request.idempotent, random: &generator) else {
                throw error
            }
            logger.notice(
                "retrying cloud call",
                metadata: [
                    "provider": "\(provider)", "operation": "\(request.operation)", "attempt": "\(attempt)",
                    "wait_ms": "\(wait.milliseconds)", "error": "\(error)",
                ])
            try await clock.sleep(for: wait)
            attempt += 1
        }
    }

    private func perform(_ request: CloudRequest) async throws -> CloudResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in request.headers { outgoing.headers.add(name: header.name, value: header.value) }
        if !request.body.isEmpty { outgoing.body = .bytes(ByteBuffer(bytes: request.body)) }
        do {
            let response = try await HTTPClient.shared.execute(outgoing, timeout: .milliseconds(timeout.milliseconds))
            let body = try await response.body.collect(upTo: Self.maxResponseBytes)
            return CloudResponse(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                body: Array(body.readableBytesView))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw CloudAPIError(
                provider: provider, operation: request.operation, kind: .transport,
                message: "no answer from \(Self.hostOf(request.url)) within \(timeout.milliseconds) ms")
        } catch let error as CloudAPIError {
            throw error
        } catch {
            throw CloudAPIError(
                provider: provider, operation: request.operation, kind: .transport,
                message: "cannot reach \(Self.hostOf(request.url)): \(error)")
        }
    }

    static func hostOf(_ url: String) -> String {
        URLComponents(string: url).map { ($0.host ?? url) + ($0.port.map { ":\($0)" } ?? "") } ?? url
    }
}
