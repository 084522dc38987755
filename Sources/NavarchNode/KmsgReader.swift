import Foundation
import NavarchCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Streams `/dev/kmsg`: starts at the end (only new records), reads one record per `read` on a
/// thread of its own, and survives `EPIPE`, which the kernel returns when the ring buffer
/// overwrote records the reader had not read yet (the lost records are counted, reading goes on).
public final class KmsgReader: @unchecked Sendable {
    /// Reads into a buffer; returns the byte count, or -1 with the error in the second value.
    public typealias ReadFunction = @Sendable (Int32, UnsafeMutableRawPointer, Int) -> (Int, Int32)

    public let path: String
    private let read: ReadFunction
    private let stopped = Mutex(false)
    /// How many times records were lost to an overrun.
    public var overruns: Int { overrunCount.withLock { $0 } }
    private let overrunCount = Mutex(0)

    public init(path: String = "/dev/kmsg", read: ReadFunction? = nil) {
        self.path = path
        self.read = read ?? { fd, buffer, count in
            let result = Glibc.read(fd, buffer, count)
            return (result, result < 0 ? errno : 0)
        }
    }

    /// Whether the file can be opened for reading (it needs CAP_SYSLOG or root on most systems).
    public static func canRead(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }

    /// Records (one line each; continuation lines dropped) from now on, until cancelled.
    public func lines() -> AsyncStream<String> {
        AsyncStream { continuation in
            let fd = open(path, O_RDONLY | O_NONBLOCK)
            guard fd >= 0 else {
                continuation.finish()
                return
            }
            lseek(fd, 0, SEEK_END)
            let thread = Thread { [self] in
                defer { close(fd) }
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: 8192, alignment: 8)
                defer { buffer.deallocate() }
                var pending = Data()
                while !stopped.withLock({ $0 }) {
                    var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    _ = poll(&descriptor, 1, 250)
                    let (count, error) = read(fd, buffer, 8192)
                    if count > 0 {
                        pending.append(buffer.assumingMemoryBound(to: UInt8.self), count: count)
                        while let newline = pending.firstIndex(of: 0x0A) {
                            let record = pending[pending.startIndex..<newline]
                            pending.removeSubrange(pending.startIndex...newline)
                            // Continuation lines (" KEY=value") carry device metadata, not messages.
                            if record.first != 0x20 { continuation.yield(String(decoding: record.prefix(16 * 1024), as: UTF8.self)) }
                        }
                        if pending.count > 16 * 1024 { pending.removeAll() }
                        continue
                    }
                    if count < 0 && error == EPIPE {
                        overrunCount.withLock { $0 += 1 }
                        continue
                    }
                    if count == 0 || error == EAGAIN || error == EINTR {
                        if count == 0 && error == 0 { usleep(50_000) }
                        continue
                    }
                    break
                }
                continuation.finish()
            }
            continuation.onTermination = { [self] _ in stopped.withLock { $0 = true } }
            thread.start()
        }
    }
}
