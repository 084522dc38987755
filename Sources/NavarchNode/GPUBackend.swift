import Foundation
import NavarchCore
import NavarchProcess
import NavarchHealth

/// Access to the machine's GPUs. The agent never talks to GPUs any other way, so the NVML
/// backend and the simulated one are interchangeable.
public protocol GPUBackend: Sendable {
    /// A short name for logs and labels: `simulated`, `nvml`.
    var name: String { get }
    /// Every GPU with its current metrics.
    func snapshot() async throws -> [GPU]
    /// Why the backend cannot see the GPUs (no library, no driver), or nil when it can.
    var unavailableReason: String? { get }
    /// XIDs the driver reports through its own event API, where it has one.
    func xidEvents() -> AsyncStream<GPUXIDEvent>?
    /// Versions of the driver stack, for node labels: `nvidia.driver_version`, `nvidia.cuda_version`.
    func versions() async -> [String: String]
    /// A write/read round trip through GPU memory on every GPU.
    func memoryRoundTrip() async -> CheckOutcome
    /// Resets one GPU (every GPU when `index` is nil): `nvidia-smi -r -i N` on real hardware.
    func resetGPU(_ index: Int?, runner: CommandRunner) async -> CheckOutcome
    /// Whether a reboot is simulated in the agent (no machine to reboot).
    var simulatesReboot: Bool { get }
}

/// An XID reported by the driver's event API for one GPU.
public struct GPUXIDEvent: Sendable, Equatable {
    public var gpuIndex: Int
    public var code: Int

    public init(gpuIndex: Int, code: Int) {
        self.gpuIndex = gpuIndex
        self.code = code
    }
}

/// The result of one named check, for a GPU or the whole node.
public struct CheckOutcome: Sendable, Equatable {
    public var name: String
    public var status: CheckStatus
    public var gpuIndex: Int?
    public var message: String

    public init(name: String, status: CheckStatus, gpuIndex: Int? = nil, message: String) {
        self.name = name
        self.status = status
        self.gpuIndex = gpuIndex
        self.message = message
    }
}

extension GPUBackend {
    public var unavailableReason: String? { nil }
    public func xidEvents() -> AsyncStream<GPUXIDEvent>? { nil }
    public func versions() async -> [String: String] { [:] }
    public func memoryRoundTrip() async -> CheckOutcome {
        CheckOutcome(name: "cuda_memory", status: .skip, message: "the \(name) backend has no GPU memory to test")
    }

    public var simulatesReboot: Bool { false }

    /// `nvidia-smi -r -i N`: the driver resets the GPU, which must have no process on it (the
    /// node was drained first).
    public func resetGPU(_ index: Int?, runner: CommandRunner) async -> CheckOutcome {
        let arguments = ["-r"] + (index.map { ["-i", "\($0)"] } ?? [])
        let target = index.map { "GPU \($0)" } ?? "every GPU"
        do {
            guard let output = try await runner.run("nvidia-smi", arguments, timeout: .seconds(120)) else {
                return CheckOutcome(name: "gpu_reset", status: .fail, gpuIndex: index, message: "nvidia-smi is not installed; cannot reset \(target)")
            }
            if output.timedOut {
                return CheckOutcome(name: "gpu_reset", status: .fail, gpuIndex: index, message: "nvidia-smi -r did not finish within 120 s")
            }
            guard output.status == 0 else {
                let detail = (output.stdout + output.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
                return CheckOutcome(name: "gpu_reset", status: .fail, gpuIndex: index, message: "nvidia-smi -r exited \(output.status): \(detail)")
            }
            let detail = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            return CheckOutcome(name: "gpu_reset", status: .pass, gpuIndex: index, message: detail.isEmpty ? "\(target) reset" : detail)
        } catch {
            return CheckOutcome(name: "gpu_reset", status: .fail, gpuIndex: index, message: "cannot run nvidia-smi: \(error)")
        }
    }
}
