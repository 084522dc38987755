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
    public var serial: String
    /// Sampled metrics by name (see `GPUMetric` in NavarchHealth): temperatures, power, clock
    /// event reasons, ECC and retired-page counts, row remaps, NVLink and PCIe counters.
    public var metrics: [String: Double]

    public init(
        index: Int, uuid: String, model: String, pciBusID: String, memoryTotalMiB: Int,
        temperatureCelsius: Double = 0, powerWatts: Double = 0,
        health: HealthStatus = .healthy, healthReason: String = "", serial: String = "", metrics: [String: Double] = [:]
    ) {
        self.serial = serial
        self.metrics = metrics
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

    enum CodingKeys: String, CodingKey {
        case index, uuid, model, pciBusID, memoryTotalMiB, temperatureCelsius, powerWatts, health, healthReason, serial, metrics
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        index = try container.decode(Int.self, forKey: .index)
        uuid = try container.decode(String.self, forKey: .uuid)
        model = try container.decode(String.self, forKey: .model)
        pciBusID = try container.decode(String.self, forKey: .pciBusID)
        memoryTotalMiB = try container.decode(Int.self, forKey: .memoryTotalMiB)
        temperatureCelsius = try container.decode(Double.self, forKey: .temperatureCelsius)
        powerWatts = try container.decode(Double.self, forKey: .powerWatts)
        health = try container.decode(HealthStatus.self, forKey: .health)
        healthReason = try container.decode(String.self, forKey: .healthReason)
        serial = try container.decodeIfPresent(String.self, forKey: .serial) ?? ""
        metrics = try container.decodeIfPresent([String: Double].self, forKey: .metrics) ?? [:]
    }
}

extension GPU {
    /// The metric the utilization autoscaler reads (the agent's `utilization_gpu_percent`).
    public static let utilizationMetric = "utilization_gpu_percent"
}
