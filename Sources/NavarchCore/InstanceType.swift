/// A kind of GPU machine: what `--type h100` means.
public struct InstanceType: Sendable, Codable, Equatable {
    /// The short name users type (`h100`).
    public var name: String
    /// The GPU model as the driver names it.
    public var gpuModel: String
    public var gpusPerNode: Int
    public var gpuMemoryMiB: Int
    /// Idle power draw per GPU in watts, used by simulated GPUs.
    public var idlePowerWatts: Double

    public init(name: String, gpuModel: String, gpusPerNode: Int, gpuMemoryMiB: Int, idlePowerWatts: Double) {
        self.name = name
        self.gpuModel = gpuModel
        self.gpusPerNode = gpusPerNode
        self.gpuMemoryMiB = gpuMemoryMiB
        self.idlePowerWatts = idlePowerWatts
    }
}

/// The catalog of GPU types Navarch knows.
public enum InstanceTypeCatalog {
    public static let all: [InstanceType] = [
        InstanceType(name: "h100", gpuModel: "NVIDIA H100 80GB HBM3", gpusPerNode: 8, gpuMemoryMiB: 81_559, idlePowerWatts: 70),
        InstanceType(name: "h200", gpuModel: "NVIDIA H200", gpusPerNode: 8, gpuMemoryMiB: 143_771, idlePowerWatts: 75),
        InstanceType(name: "b200", gpuModel: "NVIDIA B200", gpusPerNode: 8, gpuMemoryMiB: 183_359, idlePowerWatts: 140),
        InstanceType(name: "a100-80gb", gpuModel: "NVIDIA A100-SXM4-80GB", gpusPerNode: 8, gpuMemoryMiB: 81_920, idlePowerWatts: 60),
        InstanceType(name: "a100", gpuModel: "NVIDIA A100-SXM4-40GB", gpusPerNode: 8, gpuMemoryMiB: 40_960, idlePowerWatts: 55),
        InstanceType(name: "l40s", gpuModel: "NVIDIA L40S", gpusPerNode: 4, gpuMemoryMiB: 46_068, idlePowerWatts: 35),
        InstanceType(name: "a10g", gpuModel: "NVIDIA A10G", gpusPerNode: 1, gpuMemoryMiB: 23_028, idlePowerWatts: 25),
        InstanceType(name: "l4", gpuModel: "NVIDIA L4", gpusPerNode: 1, gpuMemoryMiB: 23_034, idlePowerWatts: 16),
        InstanceType(name: "t4", gpuModel: "Tesla T4", gpusPerNode: 1, gpuMemoryMiB: 15_360, idlePowerWatts: 10),
    ]

    /// The type named `name` (case-insensitive), or an error listing the known ones.
    public static func named(_ name: String) throws(NavarchError) -> InstanceType {
        if let type = all.first(where: { $0.name == name.lowercased() }) { return type }
        throw .invalidArgument(
            "unknown GPU type '\(name)'; known types: \(all.map(\.name).joined(separator: ", "))")
    }

    /// Nodes needed for `gpus` GPUs of `type`, rounded up to whole nodes.
    public static func nodes(forGPUs gpus: Int, of type: InstanceType) -> Int {
        (gpus + type.gpusPerNode - 1) / type.gpusPerNode
    }
}
