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
}
