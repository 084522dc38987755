/// Bandwidth a healthy machine of a GPU model reaches, below which fabric validation fails.
/// Conservative floors (about 80% of what healthy machines measure), not peak figures.
public struct FabricExpectations: Sendable, Equatable {
    /// Lowest device-to-device copy-engine bandwidth between any two GPUs, GB/s (`nvbandwidth`).
    public var deviceToDeviceGBps: Double
    /// Lowest host-to-device copy-engine bandwidth of any GPU, GB/s (`nvbandwidth`).
    public var hostToDeviceGBps: Double
    /// `all_reduce_perf` peak bus bandwidth within the node, GB/s (`nccl-tests`).
    public var allReduceBusGBps: Double

    /// Floors by model, matched by the text the model name contains; nil for models not listed.
    public static func forModel(_ model: String) -> FabricExpectations? {
        let table: [(String, FabricExpectations)] = [
            ("B200", .init(deviceToDeviceGBps: 600, hostToDeviceGBps: 40, allReduceBusGBps: 560)),
            ("H200", .init(deviceToDeviceGBps: 300, hostToDeviceGBps: 40, allReduceBusGBps: 360)),
            ("H100", .init(deviceToDeviceGBps: 250, hostToDeviceGBps: 40, allReduceBusGBps: 360)),
            ("A100", .init(deviceToDeviceGBps: 200, hostToDeviceGBps: 20, allReduceBusGBps: 180)),
        ]
        return table.first { model.localizedCaseInsensitiveContains($0.0) }?.1
    }
}
