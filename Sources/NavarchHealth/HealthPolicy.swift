import NavarchCore

/// The rules that turn XIDs, SXids, metrics and check results into verdicts and actions, the
/// XIDs an operator chose to ignore, and how often the agent samples. Starts from
/// ``HealthPolicy/builtin``, which follows NVIDIA's XID catalog; `navarch.yaml` overrides it.
public struct HealthPolicy: Sendable, Equatable {
    public var rules: [HealthRule]
    /// XIDs that never affect health.
    public var ignoredXIDs: Set<Int>
    /// How often the agent samples GPU metrics.
    public var metricsInterval: Duration
    /// How often the agent runs `dcgmi health -c -j` where DCGM is installed.
    public var dcgmHealthInterval: Duration

    public init(
        rules: [HealthRule], ignoredXIDs: Set<Int> = [], metricsInterval: Duration = .seconds(15),
        dcgmHealthInterval: Duration = .seconds(60)
    ) {
        self.rules = rules
        self.ignoredXIDs = ignoredXIDs
        self.metricsInterval = metricsInterval
        self.dcgmHealthInterval = dcgmHealthInterval
    }

    public func rule(named name: String) -> HealthRule? { rules.first { $0.name == name } }

    /// Replaces the rule of the same name, or appends a new one.
    public mutating func set(_ rule: HealthRule) {
        if let position = rules.firstIndex(where: { $0.name == rule.name }) { rules[position] = rule } else { rules.append(rule) }
    }

    /// Removes a rule; returns whether one was there.
    @discardableResult
    public mutating func remove(named name: String) -> Bool {
        guard let position = rules.firstIndex(where: { $0.name == name }) else { return false }
        rules.remove(at: position)
        return true
    }
}
