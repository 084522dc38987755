import Foundation

/// Where a node stands on its remediation ladder, persisted with the node so that a restart of
/// the control plane forgets neither the history nor a repair under way.
public struct NodeRemediation: Sendable, Codable, Equatable {
    /// Repairs and replacements taken, oldest first (see ``RemediationLadder``).
    public var history: [RemediationAttempt]
    /// The repair under way: a GPU reset or reboot whose validation has not come yet.
    public var repair: Repair?
    /// A remediation decided but not started, and why it waits.
    public var waiting: Waiting?

    public init(history: [RemediationAttempt] = [], repair: Repair? = nil, waiting: Waiting? = nil) {
        self.history = history
        self.repair = repair
        self.waiting = waiting
    }

    /// Why a remediation was asked for, kept for the audit record of every step it leads to.
    public struct Cause: Sendable, Codable, Equatable {
        /// What the remediator asked for.
        public var requested: HealthAction
        public var reason: String
        /// The health-policy rule that fired; empty when none did (a silent node).
        public var rule: String
        /// Sequence numbers of the events that triggered it (the observations).
        public var evidence: [Int64]
        /// The GPU at fault, when one is.
        public var gpuIndex: Int?
        /// The node stopped sending heartbeats (it cannot run a repair itself).
        public var silent: Bool
        /// The XID behind it, when one is.
        public var xid: Int?
        /// A silent node's grace period is over: its replacement may be requested.
        public var graceOver: Bool = false

        public init(requested: HealthAction, reason: String, rule: String = "", evidence: [Int64] = [], gpuIndex: Int? = nil, silent: Bool = false) {
            self.requested = requested
            self.reason = reason
            self.rule = rule
            self.evidence = evidence
            self.gpuIndex = gpuIndex
            self.silent = silent
        }
    }

    /// A GPU reset or reboot sent to the node.
    public struct Repair: Sendable, Codable, Equatable {
        public var action: HealthAction
        public var gpuIndex: Int?
        public var commandID: String
        public var startedAt: Date
        public var cause: Cause
        /// The agent acknowledged the command (for a reboot: the machine is going down).
        public var acknowledged: Bool

        public init(action: HealthAction, gpuIndex: Int?, commandID: String, startedAt: Date, cause: Cause, acknowledged: Bool = false) {
            self.action = action
            self.gpuIndex = gpuIndex
            self.commandID = commandID
            self.startedAt = startedAt
            self.cause = cause
            self.acknowledged = acknowledged
        }
    }

    /// A remediation that waits.
    public struct Waiting: Sendable, Codable, Equatable {
        public enum Reason: String, Sendable, Codable {
            /// Too many nodes of the pool are in remediation already.
            case concurrency
            /// The node went silent: wait a grace period in case its neighbours follow (an outage).
            case silenceGrace = "silence-grace"
            /// A circuit breaker is open: no automatic terminations.
            case breaker
            /// The provider or pool rate limit.
            case rateLimit = "rate-limit"
        }

        public var cause: Cause
        public var reason: Reason
        public var since: Date
        /// Not to be looked at again before then.
        public var notBefore: Date

        public init(cause: Cause, reason: Reason, since: Date, notBefore: Date) {
            self.cause = cause
            self.reason = reason
            self.since = since
            self.notBefore = notBefore
        }
    }
}
