/// One GPU of a node, as last reported by its agent.
public struct GPU: Sendable, Codable, Equatable {
    public var index: Int
    public var uuid: String
    public var model: String
    /// PCI bus id in NVML's form, for example `00000000:18:00.0`.
    public var pciBusID: String
    public var memoryTotalMiB: Int
    public var temperatureCelsius: Double
    public var powerWatts: Double
    public var health: HealthStatus
    public var healthReason: String

    public init(
        index: Int, uuid: String, model: String, pciBusID: String, memoryTotalMiB: Int,
        temperatureCelsius: Double = 0, powerWatts: Double = 0,
        health: HealthStatus = .healthy, healthReason: String = ""
    ) {
        self.index = index
        self.uuid = uuid
        self.model = model
        self.pciBusID = pciBusID
        self.memoryTotalMiB = memoryTotalMiB
        self.temperatureCelsius = temperatureCelsius
        self.powerWatts = powerWatts
        self.health = health
        self.healthReason = healthReason
    }
}
