import Foundation
import NavarchCore
import NavarchProcess
import NavarchHealth
import Synchronization

/// Simulated GPUs with realistic identities (HGX-style PCI bus ids, NVML-style UUIDs) and the
/// metrics NVML would give, drifting a little around idle values. XIDs are injected through the
/// simulated kernel log, exactly as they would reach a real agent; metric faults through an
/// optional JSON file (`{"3": {"ecc_dbe_volatile": 2}}`: GPU index -> metric -> value) that is
/// read again whenever it changes.
public final class SimulatedGPUBackend: GPUBackend {
    public let name = "simulated"
    public let gpus: [GPU]
    /// The metric-override file, if any.
    public let metricsPath: String?
    private let drift = Mutex<UInt64>(0)
    private let overrides = Mutex<(modified: Date?, values: [Int: [String: Double]])>((nil, [:]))

    /// PCI buses of the eight GPUs of an HGX H100 baseboard.
    public static let hgxBuses = ["18", "2a", "3a", "5d", "9a", "ab", "ba", "db"]

    public init(count: Int, model: String, memoryMiB: Int, idlePowerWatts: Double, seed: String, metricsPath: String? = nil) {
        self.metricsPath = metricsPath
        var generator = SeededRandom(seed: seed)
        gpus = (0..<count).map { index in
            let bus = index < Self.hgxBuses.count ? Self.hgxBuses[index] : String(format: "%02x", 0x1b + index * 0x10 % 0xe0)
            let hex = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
            let uuid = "GPU-\(hex.prefix(8))-\(hex.dropFirst(8).prefix(4))-\(hex.dropFirst(12).prefix(4))-\(hex.dropFirst(16).prefix(4))-\(hex.dropFirst(20).prefix(12))"
            return GPU(
                index: index, uuid: uuid, model: model, pciBusID: "00000000:\(bus.uppercased()):00.0",
                memoryTotalMiB: memoryMiB, temperatureCelsius: 33 + Double(index % 4), powerWatts: idlePowerWatts)
        }
    }

    /// A reboot of a simulated machine: the agent starts over in place.
    public var simulatesReboot: Bool { true }

    /// A simulated GPU resets at once.
    public func resetGPU(_ index: Int?, runner: CommandRunner) async -> CheckOutcome {
        CheckOutcome(name: "gpu_reset", status: .pass, gpuIndex: index, message: "\(index.map { "GPU \($0)" } ?? "every GPU") reset (simulated)")
    }

    public func snapshot() async throws -> [GPU] {
        let tick = drift.withLock { value -> UInt64 in
            value &+= 1
            return value
        }
        let injected = currentOverrides()
        return gpus.map { gpu in
            var sample = gpu
            let wobble = Double((tick &+ UInt64(gpu.index) * 7) % 5) * 0.5 - 1
            sample.temperatureCelsius = gpu.temperatureCelsius + wobble
            sample.powerWatts = gpu.powerWatts + wobble * 2
            sample.serial = "SIM\(gpu.uuid.dropFirst(4).prefix(8))"
            var metrics: [String: Double] = [
                GPUMetric.temperatureCelsius: sample.temperatureCelsius, GPUMetric.slowdownTemperatureCelsius: 87,
                GPUMetric.shutdownTemperatureCelsius: 92, GPUMetric.powerWatts: sample.powerWatts, GPUMetric.powerLimitWatts: 700,
                GPUMetric.utilizationPercent: 0, GPUMetric.memoryUsedMiB: 512, GPUMetric.throttleReasons: 1, GPUMetric.eccEnabled: 1,
                GPUMetric.eccSingleBitVolatile: 0, GPUMetric.eccDoubleBitVolatile: 0, GPUMetric.eccSingleBitAggregate: 0, GPUMetric.eccDoubleBitAggregate: 0,
                GPUMetric.retiredPagesSingleBit: 0, GPUMetric.retiredPagesDoubleBit: 0, GPUMetric.retiredPagesTotal: 0, GPUMetric.retiredPagesPending: 0,
                GPUMetric.remappedRowsCorrectable: 0, GPUMetric.remappedRowsUncorrectable: 0, GPUMetric.remappedRowsPending: 0,
                GPUMetric.remappedRowsFailure: 0, GPUMetric.nvlinkLinksUp: 18, GPUMetric.nvlinkLinksDown: 0, GPUMetric.nvlinkErrors: 0,
                GPUMetric.pcieReplayCount: 0,
            ]
            metrics.merge(injected[gpu.index] ?? [:]) { _, new in new }
            if let temperature = injected[gpu.index]?[GPUMetric.temperatureCelsius] { sample.temperatureCelsius = temperature }
            metrics[GPUMetric.slowdownMarginCelsius] = (metrics[GPUMetric.slowdownTemperatureCelsius] ?? 87) - (metrics[GPUMetric.temperatureCelsius] ?? 0)
            sample.metrics = metrics
            return sample
        }
    }

    /// The override file's values, read again only when its modification time changes.
    private func currentOverrides() -> [Int: [String: Double]] {
        guard let metricsPath else { return [:] }
        let modified = (try? FileManager.default.attributesOfItem(atPath: metricsPath))?[.modificationDate] as? Date
        return overrides.withLock { cached in
            guard modified != cached.modified else { return cached.values }
            var values: [Int: [String: Double]] = [:]
            if let data = FileManager.default.contents(atPath: metricsPath),
               let object = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Double]]
            {
                for (key, metrics) in object { if let index = Int(key) { values[index] = metrics } }
            }
            cached = (modified, values)
            return values
        }
    }
}
