import NIOCore
import NIOPosix

/// Runs Swift concurrency's tasks on the event loops that serve gRPC and HTTP, so that a call
/// is decoded, handled and answered without hopping between the event loops and a second pool
/// of threads (measured: about a third less control-plane CPU per heartbeat, see
/// benchmarks/README.md). Nothing in the control plane blocks its threads: the store, NVML,
/// processes and file tails have threads of their own.
public enum EventLoopExecutor {
    /// Installs the event loops as the global executor. Call it first thing in `main`, on the
    /// main thread, before anything is awaited. Returns whether it was installed.
    @discardableResult
    public static func install() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
