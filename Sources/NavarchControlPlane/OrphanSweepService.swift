import Logging
import NavarchCore
import ServiceLifecycle

/// Every `interval`, lists what each provider runs for Navarch and terminates the orphans:
/// machines still alive for instances this control plane already terminated (a terminate that
/// was lost, a launch that happened after all). Machines it does not know are reported, not
/// touched: they may belong to another control plane.
struct OrphanSweepService: Service {
    let fleet: FleetController
    let providers: [any Provider]
    let clock: any NavarchClock
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await clock.sleep(for: interval) } catch { return }
                for provider in providers { await sweep(provider) }
            }
        }
    }

    func sweep(_ provider: any Provider) async {
        let machines: [ProvisionedInstance]
        do { machines = try await provider.list() } catch {
            logger.warning("orphan sweep cannot list instances", metadata: ["provider": "\(provider.name)", "error": "\(error)"])
            return
        }
        let orphans: [ProvisionedInstance]
        do { orphans = try await fleet.orphans(provider: provider.name, machines: machines) } catch {
            logger.error("orphan sweep cannot record what it found", metadata: ["provider": "\(provider.name)", "error": "\(error)"])
            return
        }
        for orphan in orphans {
            do { try await provider.terminate(orphan) } catch {
                logger.warning("cannot terminate an orphan", metadata: ["provider": "\(provider.name)", "instance": "\(orphan.instanceID)", "error": "\(error)"])
            }
        }
    }
}
