import Foundation

/// The brain's writes: each changes `state` at once (journaled for a rollback) and adds the
/// record the store must write.
extension FleetBrain {
    mutating func save(_ instance: Instance) {
        journal.append(.instance(instance.id, state.instances[instance.id]))
        state.upsert(instance)
        book.dirtyPools.insert(instance.pool)
        if state.takeWakeUps() { pending.timersChanged = true }
        pending.records.append(.instance(instance))
        pending.reconcile = true
    }

    mutating func save(_ node: Node) {
        let previous = state.nodes[node.id]
        journal.append(.node(node.id, previous))
        if node.state == .terminated { revokeCredential(nodeID: node.id) }
        let moved = state.upsert(node)
        if !node.pool.isEmpty && Self.nodeChangeMatters(to: node.pool, previous, node, state) { book.dirtyPools.insert(node.pool) }
        if state.takeWakeUps() || moved { pending.timersChanged = true }
        pending.records.append(.node(node))
        pending.reconcile = true
    }

    /// Whether a node's change can change its pool's reconcile plan, which reads nodes only to
    /// count a condemned instance's replacement ready (healthy) and to pick and drain the
    /// nodes a scale-down removes.
    static func nodeChangeMatters(to pool: String, _ previous: Node?, _ node: Node, _ state: FleetState) -> Bool {
        guard let previous, previous.pool == node.pool else { return true }
        if previous.health != node.health && state.hasCondemned(pool: pool) { return true }
        if previous.health != node.health || previous.state != node.state {
            return state.liveNodeCount(of: pool) > (state.pools[pool]?.desiredNodes ?? 0)
        }
        return false
    }

    mutating func save(_ pool: Pool) {
        journal.append(.pool(pool.name, state.pools[pool.name]))
        state.upsert(pool)
        book.dirtyPools.insert(pool.name)
        pending.records.append(.pool(pool))
        pending.reconcile = true
    }

    mutating func forget(pool name: String) {
        journal.append(.pool(name, state.pools[name]))
        state.removePool(named: name)
        book.poolDeadlines[name] = nil
        pending.records.append(.poolDeleted(name))
    }

    /// Settings are written with sorted keys: the same state gives the same bytes.
    static var settingEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }

    mutating func saveSetting(_ key: String, _ value: Data?) {
        // Breakers and back-offs bear on every pool's plan.
        book.allPoolsDirty = true
        pending.records.append(.setting(key, value))
    }

    /// Records an event, numbered after the last one.
    @discardableResult
    mutating func record(
        _ kind: String, _ message: String, node: String = "", instance: String = "", pool: String = "",
        attributes: [String: String] = [:]
    ) -> FleetEvent {
        book.lastEventSequence += 1
        var event = FleetEvent(
            time: now, kind: kind, nodeID: node, instanceID: instance, pool: pool, message: message, attributes: attributes)
        event.sequence = book.lastEventSequence
        pending.records.append(.event(event))
        return event
    }

    /// Records an operator's change made outside the fleet's state (a token created or
    /// revoked), with the actor the control plane authenticated.
    public mutating func audit(_ kind: String, _ message: String, actor: String) {
        record(kind, message, attributes: ["actor": actor])
    }

    mutating func log(_ level: FleetLog.Level, _ message: String, _ metadata: [String: String] = [:]) {
        pending.effects.append(.log(FleetLog(level, message, metadata)))
    }

    /// Issues a command to a node: stored, then delivered, unless the coordinator is moving
    /// the node's work (then it waits for the drain).
    @discardableResult
    mutating func send(_ kind: NodeCommand.Kind, to nodeID: String, reason: String, parameters: [String: String] = [:]) -> String {
        let command = NodeCommand(
            id: book.ids.commandID(), nodeID: nodeID, kind: kind, reason: reason, issuedAt: now, parameters: parameters)
        pending.records.append(.command(command))
        journal.append(.pendingCommands(nodeID, pendingCommands[nodeID]))
        pendingCommands[nodeID, default: []].append(command)
        if let coordinator = policy.coordinator, let node = nodes[nodeID] {
            switch kind {
            case .cordon: pending.effects.append(.coordinate(.cordon(CoordinatedNode(node), reason: reason)))
            case .uncordon: pending.effects.append(.coordinate(.uncordon(CoordinatedNode(node))))
            default: break
            }
            if book.coordinatorDraining.contains(nodeID) && kind != .uncordon {
                // Delivered once the workload scheduler has moved the node's work.
                book.heldCommands[nodeID, default: []].append(command)
                log(.debug, "command held for the coordinator's drain", ["node": nodeID, "kind": kind.rawValue, "coordinator": coordinator.name])
                return command.id
            }
        }
        pending.effects.append(.deliver(command))
        return command.id
    }

    /// Applies a lifecycle event to an instance, saves it and records the transition.
    @discardableResult
    mutating func transition(
        instanceID: String, on event: InstanceLifecycle.Event, reason: String = "", update: (inout Instance) -> Void = { _ in }
    ) throws -> Instance {
        guard var instance = instances[instanceID] else { throw NavarchError.notFound("instance \(instanceID) not found") }
        let previous = instance.state
        let next = try InstanceLifecycle.transition(from: previous, on: event)
        instance.state = next
        instance.updatedAt = now
        update(&instance)
        save(instance)
        if previous != next {
            let message = reason.isEmpty ? "\(previous.rawValue) -> \(next.rawValue)" : "\(previous.rawValue) -> \(next.rawValue): \(reason)"
            record("instance.\(next.rawValue)", message, node: instance.nodeID, instance: instance.id, pool: instance.pool)
        }
        return instance
    }

    /// Applies a lifecycle event to a node, saves it and records the transition.
    @discardableResult
    mutating func transition(
        nodeID: String, on event: NodeLifecycle.Event, reason: String = "", attributes: [String: String] = [:],
        update: (inout Node) -> Void = { _ in }
    ) throws -> Node {
        guard var node = nodes[nodeID] else { throw NavarchError.notFound("node \(nodeID) not found") }
        let previous = node.state
        let next = try NodeLifecycle.transition(from: previous, on: event)
        node.state = next
        update(&node)
        save(node)
        if previous != next {
            let message = reason.isEmpty ? "\(previous.rawValue) -> \(next.rawValue)" : "\(previous.rawValue) -> \(next.rawValue): \(reason)"
            var audit = attributes
            if audit["actor"] == nil { audit["actor"] = "navarch" }
            record("node.\(next.rawValue)", message, node: node.id, instance: node.instanceID, pool: node.pool, attributes: audit)
        }
        return node
    }
}
