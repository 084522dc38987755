import Foundation
import NavarchCore
import Synchronization

/// Simulated GPUs with realistic identities (HGX-style PCI bus ids, NVML-style UUIDs) and
/// metrics that drift a little around idle values. Failures are injected through the
/// simulated kernel log, not here, exactly as they would reach a real agent.
public final class SimulatedGPUBackend: GPUBackend {
    public let name = "simulated"
    public let gpus: [GPU]
    private let drift = Mutex<UInt64>(0)

    /// PCI buses of the eight GPUs of an HGX H100 baseboard.
    public static let hgxBuses = ["18", "2a", "3a", "5d", "9a", "ab", "ba", "db"]

    public init(count: Int, model: String, memoryMiB: Int, idlePowerWatts: Double, seed: String) {
        var generator = SeededGenerator(seed: seed)
        gpus = (0..<count).map { index in
            let bus = index < Self.hgxBuses.count ? Self.hgxBuses[index] : String(format: "%02x", 0x1b + index * 0x10 % 0xe0)
            let hex = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
            let uuid = "GPU-\(hex.prefix(8))-\(hex.dropFirst(8).prefix(4))-\(hex.dropFirst(12).prefix(4))-\(hex.dropFirst(16).prefix(4))-\(hex.dropFirst(20).prefix(12))"
            return GPU(
                index: index, uuid: uuid, model: model, pciBusID: "00000000:\(bus.uppercased()):00.0",
                memoryTotalMiB: memoryMiB, temperatureCelsius: 33 + Double(index % 4), powerWatts: idlePowerWatts)
        }
    }

    public func snapshot() async throws -> [GPU] {
        let tick = drift.withLock { value -> UInt64 in
            value &+= 1
            return value
        }
        return gpus.map { gpu in
            var sample = gpu
            let wobble = Double((tick &+ UInt64(gpu.index) * 7) % 5) * 0.5 - 1
            sample.temperatureCelsius = gpu.temperatureCelsius + wobble
            sample.powerWatts = gpu.powerWatts + wobble * 2
            return sample
        }
    }
}

/// A deterministic generator so that a node keeps its GPU UUIDs across restarts.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in seed.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        state = hash
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
