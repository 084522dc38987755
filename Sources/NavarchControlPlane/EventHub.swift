import NavarchCore
import Synchronization

/// Fans fleet events out to live watchers (`navarch events --follow`, the dashboard).
final class EventHub: Sendable {
    private struct State {
        var watchers: [Int: AsyncStream<FleetEvent>.Continuation] = [:]
        var nextID = 0
        /// Set by `finishAll`: the control plane is stopping and takes no new watchers.
        var closed = false
    }

    private let state = Mutex(State())

    /// A stream of every event published from now on; it ends when the caller stops iterating,
    /// or at once once the hub is finished.
    func subscribe() -> AsyncStream<FleetEvent> {
        let (stream, continuation) = AsyncStream<FleetEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let id: Int? = state.withLock { state in
            guard !state.closed else { return nil }
            defer { state.nextID += 1 }
            state.watchers[state.nextID] = continuation
            return state.nextID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }

    func publish(_ event: FleetEvent) {
        let watchers = state.withLock { Array($0.watchers.values) }
        for watcher in watchers { watcher.yield(event) }
    }

    /// Ends every stream, and every later one at once: a watcher that reconnects while the
    /// control plane stops must not hold its shutdown open.
    func finishAll() {
        let watchers = state.withLock { state in
            state.closed = true
            defer { state.watchers.removeAll() }
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.finish() }
    }
}
