import Synchronization

/// The server a fake cloud runs on once started: the one place the fakes start, stop and
/// inspect it.
final class FakeServerSlot: Sendable {
    private let server: Mutex<FakeHTTPServer?> = Mutex(nil)

    /// Starts a server answering with `handler`; returns its base URL.
    func start(_ handler: @escaping FakeHTTPServer.Handler) async throws -> String {
        let started = try await FakeHTTPServer.start(handler: handler)
        server.withLock { $0 = started }
        return started.baseURL
    }

    func stop() async { await server.withLock { $0 }?.stop() }

    /// `http://127.0.0.1:<port>`, or empty before `start`.
    var baseURL: String { server.withLock { $0?.baseURL ?? "" } }

    /// Every request answered so far.
    var requests: [FakeHTTPRequest] { server.withLock { $0 }?.requests ?? [] }
}
