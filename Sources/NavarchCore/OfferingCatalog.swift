/// Which machine of which cloud answers `--type h100`: every provider's offerings for each
/// Navarch GPU type, with GPU count, memory, interconnect and price.
///
/// Prices are list prices in one region, read from each provider's public price page on the
/// date given per entry. Spot prices move by the hour; the figure here is indicative, for
/// ranking, not billing.
public struct OfferingCatalog: Sendable, Equatable {
    public var offerings: [CloudOffering]

    public init(offerings: [CloudOffering]) { self.offerings = offerings }

    /// The offerings of `provider` for `gpuType`, best fit first (exactly the type's GPU count).
    public func offerings(provider: String, gpuType: String) -> [CloudOffering] {
        offerings.filter { $0.provider == provider && $0.gpuType == gpuType.lowercased() }
    }

    /// The machine `provider` uses for `type`: the one with the type's GPUs per node.
    public func machine(provider: String, for type: InstanceType) -> CloudOffering? {
        let candidates = offerings(provider: provider, gpuType: type.name)
        return candidates.first { $0.gpuCount == type.gpusPerNode } ?? candidates.first
    }

    /// Every provider that offers `gpuType`.
    public func providers(offering gpuType: String) -> [String] {
        var seen: [String] = []
        for offering in offerings where offering.gpuType == gpuType.lowercased() && !seen.contains(offering.provider) {
            seen.append(offering.provider)
        }
        return seen
    }

    /// The catalog compiled into Navarch.
    public static let builtin = OfferingCatalog(offerings: awsOfferings + gcpOfferings + azureOfferings + lambdaOfferings)

    private static let awsSource = "https://aws.amazon.com/ec2/pricing/on-demand/"
    private static let gcpSource = "https://cloud.google.com/compute/gpus-pricing"
    private static let azureSource = "https://azure.microsoft.com/pricing/details/virtual-machines/linux/"
    private static let lambdaSource = "https://lambda.ai/pricing"

    static let awsOfferings: [CloudOffering] = [
        .init(provider: "aws", machineType: "p5.48xlarge", gpuType: "h100", gpuCount: 8, gpuMemoryGiB: 80, interconnect: .nvswitchEFA, onDemandHourlyUSD: 55.04, spotHourlyUSD: 30.95, priceRegion: "us-east-1", priceSource: awsSource, priceDate: "2025-09"),
        .init(provider: "aws", machineType: "p5en.48xlarge", gpuType: "h200", gpuCount: 8, gpuMemoryGiB: 141, interconnect: .nvswitchEFA, onDemandHourlyUSD: 63.30, spotHourlyUSD: 36.10, priceRegion: "us-east-1", priceSource: awsSource, priceDate: "2025-09"),
        .init(provider: "aws", machineType: "p6-b200.48xlarge", gpuType: "b200", gpuCount: 8, gpuMemoryGiB: 179, interconnect: .nvswitchEFA, onDemandHourlyUSD: 113.93, spotHourlyUSD: nil, priceRegion: "us-east-1", priceSource: awsSource, priceDate: "2025-09"),
        .init(provider: "aws", machineType: "p4de.24xlarge", gpuType: "a100-80gb", gpuCount: 8, gpuMemoryGiB: 80, interconnect: .nvswitchEFA, onDemandHourlyUSD: 27.45, spotHourlyUSD: 15.20, priceRegion: "us-east-1", priceSource: awsSource, priceDate: "2025-09"),
        .init(provider: "aws", machineType: "p4d.24xlarge", gpuType: "a100", gpuCount: 8, gpuMemoryGiB: 40, interconnect: .nvswitchEFA, onDemandHourlyUSD: 21.96, spotHourlyUSD: 11.80, priceRegion: "us-east-1", priceSource: awsSource, priceDate: "2025-09"),
        .init(provider: "aws", machineType: "g6e.12xlarge", gpuType: "l40s", gpuCount: 4, gpuMemoryGiB: 48, interconnect: .pcie, onDemandHourlyUSD: 10.49, spotHourlyUSD: 4.70, priceRegion: "us-east-1", priceSource: awsSource, priceDate: "2025-09"),
        .init(provider: "aws", machineType: "g5.xlarge", gpuType: "a10g", gpuCount: 1, gpuMemoryGiB: 24, interconnect: .pcie, onDemandHourlyUSD: 1.006, spotHourlyUSD: 0.44, priceRegion: "us-east-1", priceSource: awsSource, priceDate: "2025-09"),
        .init(provider: "aws", machineType: "g6.xlarge", gpuType: "l4", gpuCount: 1, gpuMemoryGiB: 24, interconnect: .pcie, onDemandHourlyUSD: 0.8048, spotHourlyUSD: 0.36, priceRegion: "us-east-1", priceSource: awsSource, priceDate: "2025-09"),
        .init(provider: "aws", machineType: "g4dn.xlarge", gpuType: "t4", gpuCount: 1, gpuMemoryGiB: 16, interconnect: .pcie, onDemandHourlyUSD: 0.526, spotHourlyUSD: 0.21, priceRegion: "us-east-1", priceSource: awsSource, priceDate: "2025-09"),
    ]

    static let gcpOfferings: [CloudOffering] = [
        .init(provider: "gcp", machineType: "a3-highgpu-8g", gpuType: "h100", gpuCount: 8, gpuMemoryGiB: 80, interconnect: .nvswitch, onDemandHourlyUSD: 88.25, spotHourlyUSD: 23.88, priceRegion: "us-central1", priceSource: gcpSource, priceDate: "2025-09"),
        .init(provider: "gcp", machineType: "a3-ultragpu-8g", gpuType: "h200", gpuCount: 8, gpuMemoryGiB: 141, interconnect: .nvswitch, onDemandHourlyUSD: 84.81, spotHourlyUSD: 29.63, priceRegion: "us-central1", priceSource: gcpSource, priceDate: "2025-09"),
        .init(provider: "gcp", machineType: "a4-highgpu-8g", gpuType: "b200", gpuCount: 8, gpuMemoryGiB: 179, interconnect: .nvswitch, onDemandHourlyUSD: 105.00, spotHourlyUSD: 44.60, priceRegion: "us-central1", priceSource: gcpSource, priceDate: "2025-09"),
        .init(provider: "gcp", machineType: "a2-ultragpu-8g", gpuType: "a100-80gb", gpuCount: 8, gpuMemoryGiB: 80, interconnect: .nvswitch, onDemandHourlyUSD: 40.55, spotHourlyUSD: 12.16, priceRegion: "us-central1", priceSource: gcpSource, priceDate: "2025-09"),
        .init(provider: "gcp", machineType: "a2-highgpu-8g", gpuType: "a100", gpuCount: 8, gpuMemoryGiB: 40, interconnect: .nvswitch, onDemandHourlyUSD: 29.39, spotHourlyUSD: 8.82, priceRegion: "us-central1", priceSource: gcpSource, priceDate: "2025-09"),
        .init(provider: "gcp", machineType: "g2-standard-4", gpuType: "l4", gpuCount: 1, gpuMemoryGiB: 24, interconnect: .pcie, onDemandHourlyUSD: 0.7068, spotHourlyUSD: 0.2828, priceRegion: "us-central1", priceSource: gcpSource, priceDate: "2025-09"),
    ]

    static let azureOfferings: [CloudOffering] = [
        .init(provider: "azure", machineType: "Standard_ND96isr_H100_v5", gpuType: "h100", gpuCount: 8, gpuMemoryGiB: 80, interconnect: .nvswitchInfiniBand, onDemandHourlyUSD: 98.32, spotHourlyUSD: 39.33, priceRegion: "eastus", priceSource: azureSource, priceDate: "2025-09"),
        .init(provider: "azure", machineType: "Standard_ND96isr_H200_v5", gpuType: "h200", gpuCount: 8, gpuMemoryGiB: 141, interconnect: .nvswitchInfiniBand, onDemandHourlyUSD: 110.24, spotHourlyUSD: nil, priceRegion: "eastus", priceSource: azureSource, priceDate: "2025-09"),
        .init(provider: "azure", machineType: "Standard_ND96amsr_A100_v4", gpuType: "a100-80gb", gpuCount: 8, gpuMemoryGiB: 80, interconnect: .nvswitchInfiniBand, onDemandHourlyUSD: 32.77, spotHourlyUSD: 13.11, priceRegion: "eastus", priceSource: azureSource, priceDate: "2025-09"),
        .init(provider: "azure", machineType: "Standard_ND96asr_v4", gpuType: "a100", gpuCount: 8, gpuMemoryGiB: 40, interconnect: .nvswitchInfiniBand, onDemandHourlyUSD: 27.20, spotHourlyUSD: 10.88, priceRegion: "eastus", priceSource: azureSource, priceDate: "2025-09"),
        .init(provider: "azure", machineType: "Standard_NC4as_T4_v3", gpuType: "t4", gpuCount: 1, gpuMemoryGiB: 16, interconnect: .pcie, onDemandHourlyUSD: 0.526, spotHourlyUSD: 0.21, priceRegion: "eastus", priceSource: azureSource, priceDate: "2025-09"),
    ]

    static let lambdaOfferings: [CloudOffering] = [
        .init(provider: "lambda", machineType: "gpu_8x_h100_sxm5", gpuType: "h100", gpuCount: 8, gpuMemoryGiB: 80, interconnect: .nvswitch, onDemandHourlyUSD: 23.92, spotHourlyUSD: nil, priceRegion: "us-east-1", priceSource: lambdaSource, priceDate: "2025-09"),
        .init(provider: "lambda", machineType: "gpu_8x_b200_sxm6", gpuType: "b200", gpuCount: 8, gpuMemoryGiB: 179, interconnect: .nvswitch, onDemandHourlyUSD: 39.92, spotHourlyUSD: nil, priceRegion: "us-east-1", priceSource: lambdaSource, priceDate: "2025-09"),
        .init(provider: "lambda", machineType: "gpu_8x_a100_80gb_sxm4", gpuType: "a100-80gb", gpuCount: 8, gpuMemoryGiB: 80, interconnect: .nvswitch, onDemandHourlyUSD: 14.32, spotHourlyUSD: nil, priceRegion: "us-east-1", priceSource: lambdaSource, priceDate: "2025-09"),
        .init(provider: "lambda", machineType: "gpu_8x_a100", gpuType: "a100", gpuCount: 8, gpuMemoryGiB: 40, interconnect: .nvswitch, onDemandHourlyUSD: 10.32, spotHourlyUSD: nil, priceRegion: "us-east-1", priceSource: lambdaSource, priceDate: "2025-09"),
    ]
}
