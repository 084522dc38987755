import NavarchCore
import ServiceLifecycle

/// Does a piece of the fleet's work every `interval` until shutdown: the pools' scheduled
/// diagnostics, their autoscalers.
struct PeriodicService: Service {
    let interval: Duration
    let clock: any NavarchClock
    let work: @Sendable () async -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await clock.sleep(for: interval) } catch { break }
                await work()
            }
        }
    }
}
