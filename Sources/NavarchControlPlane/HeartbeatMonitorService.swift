import NavarchCore
import ServiceLifecycle

/// Marks nodes that stop heartbeating unhealthy, and writes heartbeat times in batches.
struct HeartbeatMonitorService: Service {
    let fleet: FleetController
    let clock: any NavarchClock
    var checkEvery: Duration = .milliseconds(500)
    var flushEvery = 10

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var ticks = 0
            while !Task.isCancelled {
                do { try await clock.sleep(for: checkEvery) } catch { break }
                await fleet.checkHeartbeats()
                ticks += 1
                if ticks % flushEvery == 0 { await fleet.flushHeartbeats() }
            }
        }
        await fleet.flushHeartbeats()
    }
}
