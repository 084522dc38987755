import Logging
import NavarchCore
import ServiceLifecycle

/// Carries out the coordinator's work off the fleet actor: cordon and uncordon calls, and each
/// drain (ask, then poll `isDrained` every `pollInterval` until it answers true or
/// `drainTimeout` passes), several nodes at once.
struct CoordinatorService: Service {
    let fleet: FleetController
    let coordinator: any Coordinator
    let jobs: AsyncStream<CoordinatorJob>
    let settings: CoordinatorSettings
    let clock: any NavarchClock

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for await job in jobs {
                    group.addTask { await perform(job) }
                }
            }
        }
    }

    private func perform(_ job: CoordinatorJob) async {
        switch job {
        case .cordon(let node, let reason):
            do { try await coordinator.cordon(node, reason: reason) } catch {
                await fleet.coordinatorFailed(nodeID: node.id, action: "cordon", error: "\(error)")
            }
        case .uncordon(let node):
            do { try await coordinator.uncordon(node) } catch {
                await fleet.coordinatorFailed(nodeID: node.id, action: "uncordon", error: "\(error)")
            }
        case .drain(let node, let reason):
            let started = clock.now
            var lastError = ""
            do { try await coordinator.drain(node, reason: reason) } catch {
                lastError = "\(error)"
                await fleet.coordinatorFailed(nodeID: node.id, action: "drain", error: lastError)
            }
            while clock.now.timeIntervalSince(started) < settings.drainTimeout.timeInterval {
                do {
                    if try await coordinator.isDrained(node) {
                        await fleet.coordinatorDrainFinished(
                            nodeID: node.id, drained: true, message: "\(coordinator.name) drained the node in \(Int(clock.now.timeIntervalSince(started))) s")
                        return
                    }
                    lastError = ""
                } catch {
                    lastError = "\(error)"
                }
                do { try await clock.sleep(for: settings.pollInterval) } catch { return }
            }
            await fleet.coordinatorDrainFinished(
                nodeID: node.id, drained: false,
                message: "not drained within \(Int(settings.drainTimeout.timeInterval)) s\(lastError.isEmpty ? "" : " (last error: \(lastError))")")
        }
    }
}
