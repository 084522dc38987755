import Foundation
import NavarchCore
import ServiceLifecycle

/// Marks nodes that stop heartbeating unhealthy and takes up parked remediations when their
/// time comes, and writes heartbeat times in batches. It sleeps until the fleet's next
/// deadline (or until a nearer one is set), not on a fixed tick.
struct HeartbeatMonitorService: Service {
    let fleet: FleetController
    let clock: any NavarchClock
    var flushEvery: Duration = .seconds(5)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var nextFlush = clock.now.addingTimeInterval(flushEvery.timeInterval)
            while !Task.isCancelled {
                let wakeUp = min(await fleet.nextWakeUp() ?? nextFlush, nextFlush)
                await fleet.timersChanged.wait(until: wakeUp, clock: clock)
                if Task.isCancelled { break }
                let now = clock.now
                if now >= nextFlush {
                    await fleet.flushHeartbeats()
                    nextFlush = now.addingTimeInterval(flushEvery.timeInterval)
                }
                await fleet.checkHeartbeats()
            }
        }
        await fleet.flushHeartbeats()
    }
}
