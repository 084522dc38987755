import NavarchCore
import Synchronization

/// Fans fleet events out to live watchers (`navarch events --follow`, the dashboard).
final class EventHub: Sendable {
    private struct State {
        var watchers: [Int: AsyncStream<FleetEvent>.Continuation] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    /// A stream of every event published from now on; it ends when the caller stops iterating.
    func subscribe() -> AsyncStream<FleetEvent> {
        let (stream, continuation) = AsyncStream<FleetEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.watchers[state.nextID] = continuation
            return state.nextID
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

    func finishAll() {
        let watchers = state.withLock { state in
            defer { state.watchers.removeAll() }
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.finish() }
    }
}
