/// One provider's machine type for a Navarch GPU type, with what it costs.
public struct CloudOffering: Sendable, Codable, Equatable {
    /// How the GPUs talk inside a machine and between machines.
    public enum Interconnect: String, Sendable, Codable, Equatable, CaseIterable {
        /// NVLink through NVSwitch inside the machine, InfiniBand between machines.
        case nvswitchInfiniBand = "nvswitch+infiniband"
        /// NVLink through NVSwitch inside the machine, AWS EFA between machines.
        case nvswitchEFA = "nvswitch+efa"
        /// NVLink through NVSwitch inside the machine, the cloud's own network between machines.
        case nvswitch = "nvswitch"
        /// PCIe only.
        case pcie = "pcie"
    }

    /// `aws`, `gcp`, `azure`, `lambda`.
    public var provider: String
    /// The provider's name for the machine (`p5.48xlarge`, `a3-highgpu-8g`).
    public var machineType: String
    /// Navarch's GPU type (`h100`).
    public var gpuType: String
    public var gpuCount: Int
    /// Memory per GPU.
    public var gpuMemoryGiB: Int
    public var interconnect: Interconnect
    /// On-demand price of the whole machine, USD per hour, in `priceRegion`.
    public var onDemandHourlyUSD: Double
    /// A recent spot price, USD per hour; `nil` where the provider sells no spot.
    public var spotHourlyUSD: Double?
    public var priceRegion: String
    /// Where the price was read.
    public var priceSource: String
    /// When the price was read (`2025-09`).
    public var priceDate: String

    public init(
        provider: String, machineType: String, gpuType: String, gpuCount: Int, gpuMemoryGiB: Int, interconnect: Interconnect,
        onDemandHourlyUSD: Double, spotHourlyUSD: Double?, priceRegion: String, priceSource: String, priceDate: String
    ) {
        self.provider = provider
        self.machineType = machineType
        self.gpuType = gpuType
        self.gpuCount = gpuCount
        self.gpuMemoryGiB = gpuMemoryGiB
        self.interconnect = interconnect
        self.onDemandHourlyUSD = onDemandHourlyUSD
        self.spotHourlyUSD = spotHourlyUSD
        self.priceRegion = priceRegion
        self.priceSource = priceSource
        self.priceDate = priceDate
    }

    /// The hourly price per GPU, spot or on-demand.
    public func hourlyPerGPU(spot: Bool) -> Double? {
        guard let price = spot ? spotHourlyUSD : onDemandHourlyUSD else { return nil }
        return price / Double(gpuCount)
    }
}
