import NavarchCore
import ServiceLifecycle

/// Starts the pools' scheduled diagnostics when they fall due.
struct DiagnosticScheduleService: Service {
    let fleet: FleetController
    let clock: any NavarchClock
    let checkEvery: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await clock.sleep(for: checkEvery) } catch { break }
                await fleet.runScheduledDiagnostics()
            }
        }
    }
}
