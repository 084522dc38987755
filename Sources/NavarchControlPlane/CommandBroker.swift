import NavarchCore
import Synchronization

/// Delivers commands to the node agents connected through `WatchCommands`, at once.
/// A node that is not connected gets its pending commands from the store when it connects.
final class CommandBroker: Sendable {
    private struct Connection {
        let id: Int
        let continuation: AsyncStream<NodeCommand>.Continuation
    }

    private struct State {
        var connections: [String: Connection] = [:]
        var nextID = 0
        /// Set by `finishAll`: the control plane is stopping and takes no new connections.
        var closed = false
    }

    private let state = Mutex(State())

    /// The live command stream for `nodeID`. A newer connection from the same node replaces an
    /// older one; once the broker is finished, the stream ends at once.
    func connect(_ nodeID: String) -> AsyncStream<NodeCommand> {
        let (stream, continuation) = AsyncStream<NodeCommand>.makeStream()
        let accepted: (id: Int, previous: Connection?)? = state.withLock { state in
            guard !state.closed else { return nil }
            defer { state.nextID += 1 }
            let previous = state.connections[nodeID]
            state.connections[nodeID] = Connection(id: state.nextID, continuation: continuation)
            return (state.nextID, previous)
        }
        guard let (id, previous) = accepted else {
            continuation.finish()
            return stream
        }
        previous?.continuation.finish()
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { state in
                if state.connections[nodeID]?.id == id { state.connections[nodeID] = nil }
            }
        }
        return stream
    }

    /// Sends `command` to its node if connected; returns whether it was handed to a connection.
    @discardableResult
    func deliver(_ command: NodeCommand) -> Bool {
        guard let connection = state.withLock({ $0.connections[command.nodeID] }) else { return false }
        if case .enqueued = connection.continuation.yield(command) { return true }
        return false
    }

    /// Whether `nodeID` has a live command stream.
    func isConnected(_ nodeID: String) -> Bool {
        state.withLock { $0.connections[nodeID] != nil }
    }

    /// Ends every stream, and every later one at once: an agent that reconnects while the
    /// control plane stops must not hold its shutdown open.
    func finishAll() {
        let connections = state.withLock { state in
            state.closed = true
            defer { state.connections.removeAll() }
            return Array(state.connections.values)
        }
        for connection in connections { connection.continuation.finish() }
    }
}
