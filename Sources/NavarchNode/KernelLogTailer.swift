import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NavarchCore

/// Follows a kernel-log file (the simulated `/dev/kmsg`) from its end, like `tail -F`:
/// new lines are yielded as they are appended; a truncated or replaced file is read from its start.
/// Changes are noticed through inotify (no polling); `pollInterval` applies where it is missing.
public struct KernelLogTailer: Sendable {
    public let path: String
    public let pollInterval: Duration
    /// Lines longer than this are cut (and then fail to parse), so a runaway writer cannot exhaust memory.
    public let maximumLineBytes: Int
    /// Read the file from its start rather than its end (for a file the agent itself just created).
    public let fromStart: Bool

    public init(path: String, pollInterval: Duration = .milliseconds(50), maximumLineBytes: Int = 16 * 1024, fromStart: Bool = false) {
        self.path = path
        self.fromStart = fromStart
        self.pollInterval = pollInterval
        self.maximumLineBytes = maximumLineBytes
    }

    /// Lines appended after the call, until the task is cancelled.
    public func lines() -> AsyncStream<String> {
        AsyncStream { continuation in
            let watcher = FileChangeWatcher(path: path, fallback: pollInterval)
            let changes = watcher.changes()
            let task = Task {
                defer { watcher.stop() }
                var signals = changes.makeAsyncIterator()
                var offset = fromStart ? 0 : Self.status(of: path)?.size ?? 0
                var identity = Self.status(of: path)?.inode
                var pending = Data()
                while !Task.isCancelled {
                    if let (size, currentIdentity) = Self.status(of: path) {
                        if size < offset || currentIdentity != identity {
                            offset = 0
                            pending.removeAll()
                            identity = currentIdentity
                        }
                        if size > offset, let handle = FileHandle(forReadingAtPath: path) {
                            defer { try? handle.close() }
                            try? handle.seek(toOffset: offset)
                            let chunk = (try? handle.read(upToCount: Int(min(size - offset, 1 << 20)))) ?? Data()
                            offset += UInt64(chunk.count)
                            pending.append(chunk)
                            while let newline = pending.firstIndex(of: 0x0A) {
                                let lineData = pending[pending.startIndex..<newline].prefix(maximumLineBytes)
                                pending.removeSubrange(pending.startIndex...newline)
                                continuation.yield(String(decoding: lineData, as: UTF8.self))
                            }
                            if pending.count > maximumLineBytes {
                                continuation.yield(String(decoding: pending.prefix(maximumLineBytes), as: UTF8.self))
                                pending.removeAll()
                            }
                            continue
                        }
                    }
                    guard await signals.next() != nil else { break }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in
                task.cancel()
                watcher.stop()
            }
        }
    }

    /// Size and inode of the file with one `stat` call (cheap enough to poll).
    static func status(of path: String) -> (size: UInt64, inode: UInt64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_size), UInt64(info.st_ino))
    }
}
