import Foundation

/// How far the remediation ladder may go on each rung before it climbs: for example two GPU
/// resets in 24 hours, then one reboot, then replacement.
public struct RemediationLimits: Sendable, Equatable, Codable {
    /// GPU resets of one node allowed within `resetWindow` before a reboot is the next rung.
    public var gpuResets: Int
    public var resetWindow: Duration
    /// Reboots allowed within `rebootWindow` before replacement is the next rung.
    public var reboots: Int
    public var rebootWindow: Duration

    public init(gpuResets: Int = 2, resetWindow: Duration = .seconds(86_400), reboots: Int = 1, rebootWindow: Duration = .seconds(86_400)) {
        self.gpuResets = gpuResets
        self.resetWindow = resetWindow
        self.reboots = reboots
        self.rebootWindow = rebootWindow
    }
}

/// One step the ladder took on a node.
public struct RemediationAttempt: Sendable, Equatable, Codable {
    public var action: HealthAction
    public var gpuIndex: Int?
    public var at: Date

    public init(action: HealthAction, gpuIndex: Int? = nil, at: Date) {
        self.action = action
        self.gpuIndex = gpuIndex
        self.at = at
    }
}

/// What the ladder decided, and why, for the audit record.
public struct RemediationStep: Sendable, Equatable {
    public var action: HealthAction
    public var reason: String

    public init(action: HealthAction, reason: String) {
        self.action = action
        self.reason = reason
    }
}

/// The remediation ladder of one node, a pure state machine: repair before replace, decided
/// from the node's history. The policy asks for an action (alert, reset the GPU, reboot,
/// replace); the ladder gives the action to take now, climbing a rung when the one asked for
/// has been used up within its window, or when a repair failed its validation.
public struct RemediationLadder: Sendable, Equatable, Codable {
    public var limits: RemediationLimits
    /// Steps taken, oldest first.
    public private(set) var history: [RemediationAttempt]

    public init(limits: RemediationLimits = RemediationLimits(), history: [RemediationAttempt] = []) {
        self.limits = limits
        self.history = history
    }

    /// The action to take for a verdict asking for `requested` (on `gpuIndex`, when one GPU is at fault).
    public func next(requested: HealthAction, gpuIndex: Int? = nil, now: Date) -> RemediationStep {
        switch requested {
        case .none: return RemediationStep(action: .none, reason: "the policy asks for nothing")
        case .alert: return RemediationStep(action: .alert, reason: "the policy asks for an alert only")
        case .replace: return RemediationStep(action: .replace, reason: "the policy asks for replacement")
        case .resetGPU:
            let resets = count(.resetGPU, within: limits.resetWindow, now: now)
            if resets < limits.gpuResets {
                return RemediationStep(action: .resetGPU, reason: "GPU reset \(resets + 1) of \(limits.gpuResets) allowed in \(Self.describe(limits.resetWindow))")
            }
            return climb(from: .resetGPU, because: "\(resets) GPU reset(s) in \(Self.describe(limits.resetWindow)) already", now: now)
        case .reboot:
            return rebootOrReplace(because: nil, now: now)
        }
    }

    /// The next action after a reset or reboot whose validation (boot checks, a diagnostic)
    /// failed: the rung above the one that did not help.
    public func validationFailed(after action: HealthAction, now: Date) -> RemediationStep {
        climb(from: action, because: "validation failed after \(action.rawValue)", now: now)
    }

    /// Records a step taken.
    public mutating func record(_ action: HealthAction, gpuIndex: Int? = nil, at: Date) {
        guard action == .resetGPU || action == .reboot || action == .replace else { return }
        history.append(RemediationAttempt(action: action, gpuIndex: gpuIndex, at: at))
        // Older than every window: forgotten, so the history stays small.
        let keep = max(limits.resetWindow, limits.rebootWindow)
        history.removeAll { at.timeIntervalSince($0.at) > keep.timeInterval }
    }

    private func climb(from action: HealthAction, because reason: String, now: Date) -> RemediationStep {
        switch action {
        case .none, .alert, .resetGPU: return rebootOrReplace(because: reason, now: now)
        case .reboot, .replace: return RemediationStep(action: .replace, reason: "\(reason): replace")
        }
    }

    private func rebootOrReplace(because reason: String?, now: Date) -> RemediationStep {
        let reboots = count(.reboot, within: limits.rebootWindow, now: now)
        let prefix = reason.map { "\($0): " } ?? ""
        if reboots < limits.reboots {
            return RemediationStep(action: .reboot, reason: "\(prefix)reboot \(reboots + 1) of \(limits.reboots) allowed in \(Self.describe(limits.rebootWindow))")
        }
        return RemediationStep(action: .replace, reason: "\(prefix)\(reboots) reboot(s) in \(Self.describe(limits.rebootWindow)) already: replace")
    }

    private func count(_ action: HealthAction, within window: Duration, now: Date) -> Int {
        history.filter { $0.action == action && now.timeIntervalSince($0.at) < window.timeInterval }.count
    }

    static func describe(_ duration: Duration) -> String {
        let seconds = Int(duration.timeInterval)
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}
