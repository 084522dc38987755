import Logging
import NavarchCore
import ServiceLifecycle

/// Runs the reconciler whenever the fleet changes and when its next deadline comes (a machine
/// that must have registered by then, a back-off that ends, a rate limit that refills), not on
/// a fixed tick, and carries out the provider calls it asks for as child tasks.
struct ReconcilerService: Service {
    let fleet: FleetController
    let clock: any NavarchClock
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    for operation in await fleet.reconcile() {
                        group.addTask { await perform(operation) }
                    }
                    await fleet.reconcileWanted.wait(until: await fleet.nextReconcile(), clock: clock)
                }
                group.cancelAll()
            }
        }
    }

    private func perform(_ operation: ProviderOperation) async {
        do {
            switch operation {
            case .provision(let request, let providerName):
                try await provision(request, at: providerName)
            case .terminate(let machine, let providerName, let instanceID):
                let provider = await fleet.provider(named: providerName)
                let failure: (any Error)?
                do {
                    guard let provider else { throw NavarchError.invalidArgument("provider \(providerName) is not configured") }
                    try await provider.terminate(machine)
                    failure = nil
                } catch {
                    logger.warning("terminate failed", metadata: ["instance": "\(instanceID)", "error": "\(error)"])
                    failure = error
                }
                try await fleet.terminateFinished(instanceID: instanceID, error: failure)
            }
        } catch {
            // The fleet could not store the outcome: the instance stays as it was, and the
            // next pass asks the provider again (provisions are idempotent).
            logger.error("cannot record a provider call's outcome", metadata: ["instance": "\(operation.instanceID)", "error": "\(error)"])
        }
    }

    private func provision(_ request: ProvisionRequest, at providerName: String) async throws {
        guard let provider = await fleet.provider(named: providerName) else {
            try await fleet.provisionFinished(
                instanceID: request.instanceID,
                result: .failure(NavarchError.invalidArgument("provider \(providerName) is not configured")))
            return
        }
        try await fleet.provisionStarted(instanceID: request.instanceID)
        let result: Result<ProvisionedInstance, any Error>
        do {
            result = .success(try await provider.provision(request))
        } catch {
            logger.warning("provision failed", metadata: ["instance": "\(request.instanceID)", "error": "\(error)"])
            result = .failure(error)
        }
        try await fleet.provisionFinished(instanceID: request.instanceID, result: result)
    }
}
