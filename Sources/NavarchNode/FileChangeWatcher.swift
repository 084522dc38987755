import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Signals when a file may have changed, without polling it: inotify on a dedicated thread
/// (never the cooperative pool), with a signal at least every `heartbeat` so that a replaced
/// file is picked up too. Where inotify is not available it signals every `fallback` instead.
final class FileChangeWatcher: Sendable {
    let path: String
    let heartbeat: Duration
    let fallback: Duration
    private let stopped = Mutex(false)

    init(path: String, heartbeat: Duration = .seconds(1), fallback: Duration = .milliseconds(50)) {
        self.path = path
        self.heartbeat = heartbeat
        self.fallback = fallback
    }

    /// Stops the watching thread (within `heartbeat`).
    func stop() {
        stopped.withLock { $0 = true }
    }

    /// A stream of change signals, the first one once the watch is armed; the watching ends
    /// on ``stop()`` or when the consumer stops iterating.
    func changes() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        continuation.onTermination = { [self] _ in stopped.withLock { $0 = true } }
        #if os(Linux)
        let descriptor = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        if descriptor >= 0 {
            let thread = Thread { [self] in watch(descriptor, continuation) }
            thread.name = "navarch-kmsg-watch"
            thread.start()
            return stream
        }
        #endif
        let fallback = self.fallback
        Thread { [self] in
            while !stopped.withLock({ $0 }) {
                continuation.yield()
                usleep(UInt32(fallback.timeInterval * 1_000_000))
            }
            continuation.finish()
        }.start()
        return stream
    }

    #if os(Linux)
    private func watch(_ descriptor: Int32, _ continuation: AsyncStream<Void>.Continuation) {
        defer {
            close(descriptor)
            continuation.finish()
        }
        let mask = UInt32(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVE_SELF | IN_DELETE_SELF)
        var buffer = [UInt8](repeating: 0, count: 4096)
        let timeout = Int32(heartbeat.milliseconds)
        var armed = false
        while !stopped.withLock({ $0 }) {
            // Cheap, and re-arms the watch when the file was replaced.
            _ = inotify_add_watch(descriptor, path, mask)
            if !armed {
                armed = true
                continuation.yield()
            }
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&request, 1, timeout)
            while read(descriptor, &buffer, buffer.count) > 0 {}
            continuation.yield()
        }
    }
    #endif
}
