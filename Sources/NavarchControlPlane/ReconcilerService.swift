import Logging
import NavarchCore
import ServiceLifecycle

/// Runs the reconciler whenever the fleet changes (and at least every `tick`), and carries
/// out the provider calls it asks for as child tasks.
struct ReconcilerService: Service {
    let fleet: FleetController
    let clock: any NavarchClock
    let logger: Logger
    var tick: Duration = .seconds(1)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await clock.sleep(for: tick)
                        fleet.wake()
                    }
                }
                for await _ in fleet.wakeups {
                    for operation in await fleet.reconcile() {
                        group.addTask { await perform(operation) }
                    }
                }
                group.cancelAll()
            }
        }
    }

    private func perform(_ operation: ProviderOperation) async {
        switch operation {
        case .provision(let request, let providerName):
            guard let provider = await fleet.provider(named: providerName) else {
                await fleet.provisionFinished(
                    instanceID: request.instanceID,
                    result: .failure(NavarchError.invalidArgument("provider \(providerName) is not configured")))
                return
            }
            await fleet.provisionStarted(instanceID: request.instanceID)
            do {
                let machine: ProvisionedInstance
                do {
                    machine = try await provider.provision(request)
                } catch let error as any CapacityError where error.isInsufficientCapacity && request.spot && request.onDemandFallback {
                    // The pool's spot fallback: the same provider, on-demand, before any failover.
                    await fleet.spotFellBack(instanceID: request.instanceID, provider: providerName, reason: "\(error)")
                    var onDemand = request
                    onDemand.spot = false
                    machine = try await provider.provision(onDemand)
                }
                await fleet.provisionFinished(instanceID: request.instanceID, result: .success(machine))
            } catch {
                logger.warning("provision failed", metadata: ["instance": "\(request.instanceID)", "error": "\(error)"])
                await fleet.provisionFinished(instanceID: request.instanceID, result: .failure(error))
            }
        case .terminate(let machine, let providerName, let instanceID):
            guard let provider = await fleet.provider(named: providerName) else {
                await fleet.terminateFinished(
                    instanceID: instanceID, error: NavarchError.invalidArgument("provider \(providerName) is not configured"))
                return
            }
            do {
                try await provider.terminate(machine)
                await fleet.terminateFinished(instanceID: instanceID, error: nil)
            } catch {
                logger.warning("terminate failed", metadata: ["instance": "\(instanceID)", "error": "\(error)"])
                try? await clock.sleep(for: .seconds(2))
                await fleet.terminateFinished(instanceID: instanceID, error: error)
            }
        }
    }
}
