import Foundation

extension FleetBrain {
    static let provisioningGuardSetting = "provisioning-guard"

    static func provisioningScope(_ pool: String) -> String { "provisioning \(pool)" }

    /// The pools' failure records, saved before a restart: an open provisioning breaker stays
    /// open, and a back-off goes on where it was.
    mutating func loadProvisioningGuard(from settings: [String: Data]) throws {
        guard let data = settings[Self.provisioningGuardSetting] else { return }
        let pools = try JSONDecoder().decode([String: ProvisioningGuard.PoolRecord].self, from: data)
        book.provisioningGuard = ProvisioningGuard(settings: book.provisioningGuard.settings, pools: pools)
    }

    mutating func saveProvisioningGuard() throws {
        let pools = book.provisioningGuard.pools
        let data = pools.isEmpty ? nil : try Self.settingEncoder.encode(pools)
        saveSetting(Self.provisioningGuardSetting, data)
    }

    /// An instance failed: the pool backs off longer, and opens its provisioning breaker when
    /// too many of its machines in a row never registered.
    mutating func noteInstanceFailed(_ instance: Instance, neverRegistered: Bool, reason: String) throws {
        let opened = book.provisioningGuard.instanceFailed(pool: instance.pool, neverRegistered: neverRegistered, reason: reason, at: now)
        try saveProvisioningGuard()
        guard let opened else { return }
        let scope = Self.provisioningScope(instance.pool)
        record(
            "breaker.opened",
            "circuit breaker of \(scope) opened: \(opened); nothing more is bought for the pool until `navarch breaker reset \(instance.pool)`. "
                + "Likely causes: the image has no agent or no GPU driver, the machines cannot reach the control plane at \(book.controlPlaneAddress.isEmpty ? "its advertised address" : book.controlPlaneAddress), "
                + "or the agent download was refused (see the machines' console output)",
            instance: instance.id, pool: instance.pool,
            attributes: ["actor": "navarch/provisioning", "scope": scope, "evidence": instance.id])
    }

    /// A machine of the pool registered: its machines can come up.
    mutating func noteInstanceRegistered(pool: String) throws {
        let before = book.provisioningGuard
        book.provisioningGuard.registered(pool: pool)
        if book.provisioningGuard != before { try saveProvisioningGuard() }
    }

    /// The provisioning breakers, as circuit breakers for listing: one per pool.
    func provisioningBreakers() -> [CircuitBreaker] {
        pools.keys.sorted().map { pool in
            let record = book.provisioningGuard.pools[pool]
            let state: CircuitBreaker.State = record?.openedAt.map { .open(since: $0, reason: record?.openReason ?? "") } ?? .closed
            return CircuitBreaker(scope: Self.provisioningScope(pool), settings: policy.circuitBreaker, state: state)
        }
    }

    /// Closes the pool's provisioning breaker. Returns it as it was, when it was open.
    mutating func resetProvisioningBreaker(pool: String, actor: String) throws -> CircuitBreaker? {
        guard book.provisioningGuard.isOpen(pool: pool), let previous = book.provisioningGuard.reset(pool: pool), let since = previous.openedAt else { return nil }
        try saveProvisioningGuard()
        let scope = Self.provisioningScope(pool)
        record(
            "breaker.reset", "circuit breaker of \(scope) reset by \(actor.isEmpty ? "an operator" : actor); the pool provisions again", pool: pool,
            attributes: ["actor": actor.isEmpty ? "operator" : actor, "scope": scope])
        pending.reconcile = true
        return CircuitBreaker(scope: scope, settings: policy.circuitBreaker, state: .open(since: since, reason: previous.openReason))
    }
}
