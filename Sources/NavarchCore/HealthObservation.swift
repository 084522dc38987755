import Foundation

/// A health observation made on a node: an XID, an SXid, a threshold crossed.
public struct HealthObservation: Sendable, Codable, Equatable {
    public var kind: String
    public var code: Int
    /// PCI address as written by the source; empty when not tied to a device.
    public var pciAddress: String
    /// The GPU it maps to, or `nil` for a node-level observation.
    public var gpuIndex: Int?
    public var verdict: HealthStatus
    public var message: String
    public var time: Date
    /// Identical observations coalesced into this one.
    public var count: Int
    /// What the health policy asks for.
    public var action: HealthAction
    /// The policy rule that decided the verdict; empty when none fired.
    public var rule: String
    /// What the agent itself made of it, when the control plane judged it again with its own
    /// policy: recorded as advice, never followed (not stored with the observation).
    public var advice: Advice?

    /// An agent's verdict, action and rule for an observation.
    public struct Advice: Sendable, Equatable {
        public var verdict: HealthStatus
        public var action: HealthAction
        public var rule: String

        public init(verdict: HealthStatus, action: HealthAction, rule: String) {
            self.verdict = verdict
            self.action = action
            self.rule = rule
        }
    }

    public init(
        kind: String, code: Int, pciAddress: String = "", gpuIndex: Int? = nil, verdict: HealthStatus,
        message: String, time: Date, count: Int = 1,
        action: HealthAction = .none, rule: String = ""
    ) {
        self.action = action
        self.rule = rule
        self.kind = kind
        self.code = code
        self.pciAddress = pciAddress
        self.gpuIndex = gpuIndex
        self.verdict = verdict
        self.message = message
        self.time = time
        self.count = count
    }

    enum CodingKeys: String, CodingKey { case kind, code, pciAddress, gpuIndex, verdict, message, time, count, action, rule }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(String.self, forKey: .kind)
        code = try container.decode(Int.self, forKey: .code)
        pciAddress = try container.decode(String.self, forKey: .pciAddress)
        gpuIndex = try container.decodeIfPresent(Int.self, forKey: .gpuIndex)
        verdict = try container.decode(HealthStatus.self, forKey: .verdict)
        message = try container.decode(String.self, forKey: .message)
        time = try container.decode(Date.self, forKey: .time)
        count = try container.decode(Int.self, forKey: .count)
        action = try container.decodeIfPresent(HealthAction.self, forKey: .action) ?? .none
        rule = try container.decodeIfPresent(String.self, forKey: .rule) ?? ""
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(code, forKey: .code)
        try container.encode(pciAddress, forKey: .pciAddress)
        try container.encodeIfPresent(gpuIndex, forKey: .gpuIndex)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(message, forKey: .message)
        try container.encode(time, forKey: .time)
        try container.encode(count, forKey: .count)
        try container.encode(action, forKey: .action)
        try container.encode(rule, forKey: .rule)
    }
}
