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

    public init(
        kind: String, code: Int, pciAddress: String = "", gpuIndex: Int? = nil, verdict: HealthStatus,
        message: String, time: Date, count: Int = 1
    ) {
        self.kind = kind
        self.code = code
        self.pciAddress = pciAddress
        self.gpuIndex = gpuIndex
        self.verdict = verdict
        self.message = message
        self.time = time
        self.count = count
    }
}
