import Foundation

extension FleetBrain {
    static let breakersSetting = "circuit-breakers"
    static let fleetScope = "fleet"

    static func poolScope(_ pool: String) -> String { "pool \(pool)" }

    /// The breaker of `scope`, closed when it never opened.
    func breaker(_ scope: String) -> CircuitBreaker {
        book.breakers[scope] ?? CircuitBreaker(scope: scope, settings: policy.circuitBreaker)
    }

    /// Open breakers saved before a restart stay open: only an operator closes them.
    mutating func loadBreakers(from settings: [String: Data]) {
        guard let data = settings[Self.breakersSetting],
              let states = try? JSONDecoder().decode([String: CircuitBreaker.State].self, from: data)
        else { return }
        for (scope, state) in states {
            book.breakers[scope] = CircuitBreaker(scope: scope, settings: policy.circuitBreaker, state: state)
        }
    }

    /// Writes the open breakers (of `states`, or the current ones).
    mutating func saveBreakers(_ states: [String: CircuitBreaker]? = nil) throws {
        let open = (states ?? book.breakers).filter(\.value.isOpen).mapValues(\.state)
        let data = try Self.settingEncoder.encode(open)
        saveSetting(Self.breakersSetting, data)
    }

    /// Every breaker: the fleet's, each pool's, then each pool's provisioning breaker.
    public func breakerList() -> [CircuitBreaker] {
        [breaker(Self.fleetScope)] + pools.keys.sorted().map { breaker(Self.poolScope($0)) }
            + book.breakers.values.filter { $0.scope != Self.fleetScope && !pools.keys.map(Self.poolScope).contains($0.scope) }.sorted { $0.scope < $1.scope }
            + provisioningBreakers()
    }

    /// The open breaker that holds automatic terminations in `pool`, if any.
    func openBreaker(forPool pool: String) -> (scope: String, reason: String)? {
        for scope in [Self.poolScope(pool), Self.fleetScope] {
            if case .open(_, let reason) = breaker(scope).state { return (scope, reason) }
        }
        return nil
    }

    /// A node turned unhealthy: counted by its pool's breaker and the fleet's.
    mutating func noteTurnedUnhealthy(_ node: Node) throws {
        let scopes = [(Self.poolScope(node.pool), state.liveNodeCount(of: node.pool)), (Self.fleetScope, state.liveNodeCount)]
        for (scope, total) in scopes {
            var breaker = breaker(scope)
            let opened = breaker.nodeTurnedUnhealthy(node.id, at: now, nodes: total)
            book.breakers[scope] = breaker
            if let opened { try breakerOpened(breaker, state: opened, evidence: node.id) }
        }
    }

    /// Every node of a zone or provider is silent at once: open the fleet breaker.
    mutating func checkSilentGroups(of silentNodes: [String]) throws {
        var candidates: [String: Set<String>] = [:]
        for node in silentNodes.compactMap({ nodes[$0] }) {
            for group in FleetState.groups(of: node) where candidates[group] == nil { candidates[group] = state.liveNodes(inGroup: group) }
        }
        let groups = SilentGroups.find(
            candidates: candidates, lastHeartbeat: { state.heartbeats.lastHeartbeat(of: $0, at: now) }, timeout: state.heartbeats.timeout,
            now: now)
        for group in groups {
            var fleet = breaker(Self.fleetScope)
            if let opened = fleet.groupWentSilent(group.name, nodes: group.nodes.count, at: now) {
                book.breakers[Self.fleetScope] = fleet
                try breakerOpened(fleet, state: opened, evidence: group.nodes.joined(separator: ","))
            }
        }
    }

    mutating func breakerOpened(_ breaker: CircuitBreaker, state: CircuitBreaker.State, evidence: String) throws {
        guard case .open(_, let reason) = state else { return }
        try saveBreakers()
        let pool = breaker.scope.hasPrefix("pool ") ? String(breaker.scope.dropFirst(5)) : ""
        record(
            "breaker.opened", "circuit breaker of \(breaker.scope) opened: \(reason); automatic terminations stop until `navarch breaker reset`",
            pool: pool, attributes: ["actor": "navarch/circuit-breaker", "scope": breaker.scope, "evidence": evidence])
    }

    /// Closes open breakers (`scope` "fleet", a pool name, or empty for all): replacements they
    /// held go ahead, and a pool whose provisioning breaker was open provisions again.
    public mutating func resetBreakers(scope requested: String, actor: String) throws -> [CircuitBreaker] {
        let scopes: [String]
        var provisioningPools: [String] = []
        switch requested {
        case "":
            scopes = book.breakers.filter(\.value.isOpen).map(\.key).sorted()
            provisioningPools = book.provisioningGuard.pools.filter { $0.value.openedAt != nil }.map(\.key).sorted()
        case Self.fleetScope: scopes = [Self.fleetScope]
        default:
            let pool = requested.hasPrefix("pool ") ? String(requested.dropFirst(5))
                : requested.hasPrefix("provisioning ") ? String(requested.dropFirst(13)) : requested
            let scope = Self.poolScope(pool)
            guard pools[pool] != nil || book.breakers[scope] != nil || book.provisioningGuard.isOpen(pool: pool) else {
                throw NavarchError.notFound("no pool \(pool); breakers: fleet, \(pools.keys.sorted().joined(separator: ", "))")
            }
            scopes = requested.hasPrefix("provisioning ") ? [] : [scope]
            provisioningPools = [pool]
        }
        var closed: [CircuitBreaker] = []
        for scope in scopes {
            var breaker = breaker(scope)
            let before = breaker
            guard breaker.reset() else { continue }
            try saveBreakers(book.breakers.merging([scope: breaker]) { _, new in new })
            book.breakers[scope] = breaker
            closed.append(before)
            let pool = scope.hasPrefix("pool ") ? String(scope.dropFirst(5)) : ""
            record(
                "breaker.reset", "circuit breaker of \(scope) reset by \(actor)", pool: pool,
                attributes: ["actor": actor.isEmpty ? "operator" : actor, "scope": scope])
        }
        for pool in provisioningPools {
            if let breaker = try resetProvisioningBreaker(pool: pool, actor: actor) { closed.append(breaker) }
        }
        guard !closed.isEmpty else { return [] }
        // Held replacements are looked at again; those still under an open breaker stay held.
        for var node in nodes.values.sorted(by: Self.nodeOrder) where node.remediation?.waiting?.reason == .breaker {
            node.remediation?.waiting?.notBefore = now
            save(node)
        }
        processRemediations()
        return closed
    }
}
