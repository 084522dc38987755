import Foundation

/// The policy that turns a ladder step into what happens to a node now, pure: a silent node is
/// replaced, never reset or rebooted (it cannot run the command), and only after one more
/// detection window (when its neighbours go silent too, it is an outage and a breaker opens);
/// an open circuit breaker holds replacements; no more than `maxConcurrent` of a pool's nodes
/// are in remediation at once.
public struct RemediationPlanner: Sendable, Equatable {
    /// What to do about the node now.
    public enum Decision: Sendable, Equatable {
        case nothing
        /// Tell people; the node stays as it is.
        case alert(String)
        /// Drain the node and run the repair (a GPU reset or a reboot).
        case repair(RemediationStep)
        /// Condemn the node's instance: a replacement is bought first.
        case replace(RemediationStep)
        /// Park the step until `until` (`.distantFuture`: until an operator acts), with why.
        case wait(NodeRemediation.Waiting.Reason, until: Date, message: String)
    }

    /// What to do when a parked remediation's timer comes due.
    public enum Resumption: Sendable, Equatable {
        case nothing
        /// The repair was not validated in time: it failed.
        case repairTimedOut(String)
        /// The silent node answers again: nothing is replaced, it stays cordoned.
        case cancel(String)
        /// Decide again, with this cause.
        case retry(NodeRemediation.Cause)
    }

    /// How long a silent node's replacement waits; zero replaces at once.
    public var silenceGrace: Duration
    /// Nodes of one pool in remediation at once.
    public var maxConcurrent: Int
    /// How long a repair may take to be validated.
    public var repairTimeout: Duration
    /// How recent a heartbeat must be for a silent node to count as answering again.
    public var answeringWithin: Duration
    /// How long a step waiting for its turn waits before it is looked at again, if no
    /// remediation of its pool ends first (the end of one wakes the longest waiter at once).
    public var turnRetry: Duration

    public init(
        silenceGrace: Duration, maxConcurrent: Int, repairTimeout: Duration, answeringWithin: Duration,
        turnRetry: Duration = .seconds(60)
    ) {
        self.silenceGrace = silenceGrace
        self.maxConcurrent = maxConcurrent
        self.repairTimeout = repairTimeout
        self.answeringWithin = answeringWithin
        self.turnRetry = turnRetry
    }

    /// What to do with the ladder's `step` for a node of `pool`.
    /// - Parameters:
    ///   - waiting: why the node's remediation is parked now, if it is.
    ///   - underWay: the pool's other nodes in remediation.
    ///   - openBreaker: the open breaker that holds the pool's terminations, if any.
    public func decide(
        _ step: RemediationStep, cause: NodeRemediation.Cause, pool: String, waiting: NodeRemediation.Waiting.Reason?,
        underWay: Int, openBreaker: (scope: String, reason: String)?, now: Date
    ) -> Decision {
        switch step.action {
        case .none:
            return .nothing
        case .alert:
            return .alert(step.reason)
        case .resetGPU, .reboot:
            if cause.silent {
                // A machine that does not answer cannot reset a GPU or reboot itself.
                return decide(
                    RemediationStep(action: .replace, reason: "the node is silent: \(step.reason)"), cause: cause, pool: pool,
                    waiting: waiting, underWay: underWay, openBreaker: openBreaker, now: now)
            }
            if let wait = turn(step, pool: pool, underWay: underWay, now: now) { return wait }
            return .repair(step)
        case .replace:
            if cause.silent && !cause.graceOver && silenceGrace > .zero {
                return .wait(
                    .silenceGrace, until: now.addingTimeInterval(silenceGrace.timeInterval),
                    message: "replacement in \(Int(silenceGrace.timeInterval)) s unless the node answers or a circuit breaker opens")
            }
            if let breaker = openBreaker {
                guard waiting != .breaker else { return .nothing }
                return .wait(
                    .breaker, until: .distantFuture,
                    message: "replacement held: circuit breaker of \(breaker.scope) is open (\(breaker.reason)); the node stays cordoned")
            }
            if let wait = turn(step, pool: pool, underWay: underWay, now: now) { return wait }
            return .replace(step)
        }
    }

    /// A parked remediation or a repair whose timer came due.
    /// - Parameter lastHeartbeat: when the node was last heard from.
    public func resume(_ remediation: NodeRemediation?, lastHeartbeat: Date?, now: Date) -> Resumption {
        if let repair = remediation?.repair, now.timeIntervalSince(repair.startedAt) >= repairTimeout.timeInterval {
            return .repairTimedOut("\(repair.action.rawValue) not validated within \(Int(repairTimeout.timeInterval)) s")
        }
        // A wait for a turn is looked at when a turn may be free (a remediation of its pool
        // ended), before its fallback time.
        guard let waiting = remediation?.waiting, waiting.notBefore <= now || waiting.reason == .concurrency else { return .nothing }
        if waiting.reason == .silenceGrace, waiting.cause.silent,
           let lastHeartbeat, now.timeIntervalSince(lastHeartbeat) < answeringWithin.timeInterval {
            return .cancel("the node answers again; replacement not requested, it stays cordoned")
        }
        var cause = waiting.cause
        if waiting.reason == .silenceGrace { cause.graceOver = true }
        return .retry(cause)
    }

    /// Whether an unhealthy node has been left as it was: in service or cordoned, nothing
    /// repairing, waiting or replacing it. A control plane killed between storing a verdict and acting on
    /// it leaves such a node; the verdict reported again must then be acted on, though it is
    /// not a change.
    public static func isUnattended(_ node: Node, instance: Instance?) -> Bool {
        node.health == .unhealthy && [.active, .cordoned].contains(node.state) && node.remediation?.repair == nil
            && node.remediation?.waiting == nil && !(instance.map { $0.condemned && $0.state.isLive } ?? false)
    }

    private func turn(_ step: RemediationStep, pool: String, underWay: Int, now: Date) -> Decision? {
        guard underWay >= maxConcurrent else { return nil }
        return .wait(
            .concurrency, until: now.addingTimeInterval(turnRetry.timeInterval),
            message: "\(maxConcurrent) node(s) of pool \(pool) are in remediation already; \(step.action.rawValue) waits its turn")
    }
}
