import NavarchCore
import ServiceLifecycle

/// Runs the pools' autoscalers every `interval`.
struct AutoscalerService: Service {
    let fleet: FleetController
    let clock: any NavarchClock
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await clock.sleep(for: interval) } catch { break }
                await fleet.autoscale()
            }
        }
    }
}
