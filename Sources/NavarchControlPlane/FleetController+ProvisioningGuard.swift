import Foundation
import NavarchCore

extension FleetController {
    static let provisioningGuardSetting = "provisioning-guard"

    static func provisioningScope(_ pool: String) -> String { "provisioning \(pool)" }

    /// The pools' failure records, saved before a restart: an open provisioning breaker stays
    /// open, and a back-off goes on where it was.
    func loadProvisioningGuard(from settings: [String: Data]) throws {
        guard let data = settings[Self.provisioningGuardSetting] else { return }
        let pools = try JSONDecoder().decode([String: ProvisioningGuard.PoolRecord].self, from: data)
        provisioningGuard = ProvisioningGuard(settings: provisioningGuard.settings, pools: pools)
    }

    func saveProvisioningGuard() async throws {
        let pools = provisioningGuard.pools
        let data = pools.isEmpty ? nil : try JSONEncoder().encode(pools)
        try await inWriteOrder { try await store.saveSetting(Self.provisioningGuardSetting, data) }
    }

    /// An instance failed: the pool backs off longer, and opens its provisioning breaker when
    /// too many of its machines in a row never registered.
    func noteInstanceFailed(_ instance: Instance, neverRegistered: Bool, reason: String) async throws {
        let opened = provisioningGuard.instanceFailed(pool: instance.pool, neverRegistered: neverRegistered, reason: reason, at: clock.now)
        try await saveProvisioningGuard()
        guard let opened else { return }
        let scope = Self.provisioningScope(instance.pool)
        try await record(
            "breaker.opened",
            "circuit breaker of \(scope) opened: \(opened); nothing more is bought for the pool until `navarch breaker reset \(instance.pool)`. "
                + "Likely causes: the image has no agent or no GPU driver, the machines cannot reach the control plane at \(controlPlaneAddress.isEmpty ? "its advertised address" : controlPlaneAddress), "
                + "or the agent download was refused (see the machines' console output)",
            instance: instance.id, pool: instance.pool,
            attributes: ["actor": "navarch/provisioning", "scope": scope, "evidence": instance.id])
    }

    /// A machine of the pool registered: its machines can come up.
    func noteInstanceRegistered(pool: String) async throws {
        let before = provisioningGuard
        provisioningGuard.registered(pool: pool)
        if provisioningGuard != before { try await saveProvisioningGuard() }
    }

    /// The provisioning breakers, as circuit breakers for listing: one per pool.
    func provisioningBreakers() -> [CircuitBreaker] {
        pools.keys.sorted().map { pool in
            let record = provisioningGuard.pools[pool]
            let state: CircuitBreaker.State = record?.openedAt.map { .open(since: $0, reason: record?.openReason ?? "") } ?? .closed
            return CircuitBreaker(scope: Self.provisioningScope(pool), settings: configuration.circuitBreaker, state: state)
        }
    }

    /// Closes the pool's provisioning breaker. Returns it as it was, when it was open.
    func resetProvisioningBreaker(pool: String, actor: String) async throws -> CircuitBreaker? {
        guard provisioningGuard.isOpen(pool: pool), let previous = provisioningGuard.reset(pool: pool), let since = previous.openedAt else { return nil }
        try await saveProvisioningGuard()
        let scope = Self.provisioningScope(pool)
        try await record(
            "breaker.reset", "circuit breaker of \(scope) reset by \(actor.isEmpty ? "an operator" : actor); the pool provisions again", pool: pool,
            attributes: ["actor": actor.isEmpty ? "operator" : actor, "scope": scope])
        wake()
        return CircuitBreaker(scope: scope, settings: configuration.circuitBreaker, state: .open(since: since, reason: previous.openReason))
    }
}
