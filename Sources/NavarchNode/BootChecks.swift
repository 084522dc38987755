import NavarchCore
import NavarchProcess
import NavarchHealth

/// The checks a node passes before it accepts work: the GPU backend works, the GPUs are the
/// ones the instance type promises, `nvidia-smi -L` agrees, no memory repair is pending, and GPU
/// memory can be written and read back. A check that cannot run here is skipped with its reason.
public struct BootChecks: Sendable {
    /// GPUs the instance type promises; nil when unknown.
    public var expectedGPUCount: Int?
    /// Text the GPU model must contain (`H100`, `A100-SXM4-80GB`); nil when unknown.
    public var expectedModel: String?
    public var runner: CommandRunner

    public init(expectedGPUCount: Int? = nil, expectedModel: String? = nil, runner: CommandRunner = CommandRunner()) {
        self.expectedGPUCount = expectedGPUCount
        self.expectedModel = expectedModel
        self.runner = runner
    }

    public func run(backend: any GPUBackend, gpus: [GPU]) async -> [CheckOutcome] {
        if let reason = backend.unavailableReason {
            return [CheckOutcome(name: "gpu_backend", status: .fail, message: reason)]
        }
        var outcomes = [CheckOutcome(name: "gpu_backend", status: .pass, message: "\(backend.name): \(gpus.count) GPU(s)")]
        if let expectedGPUCount {
            outcomes.append(CheckOutcome(
                name: "gpu_count", status: gpus.count == expectedGPUCount ? .pass : .fail,
                message: "\(gpus.count) GPU(s) found, \(expectedGPUCount) expected"))
        }
        if let expectedModel {
            let wrong = gpus.filter { !$0.model.localizedCaseInsensitiveContains(expectedModel) }
            outcomes.append(CheckOutcome(
                name: "gpu_model", status: wrong.isEmpty ? .pass : .fail,
                message: wrong.isEmpty ? "every GPU is a \(expectedModel)" : "GPU \(wrong.map { "\($0.index)" }.joined(separator: ", ")) is \(wrong[0].model), not \(expectedModel)"))
        }
        outcomes.append(await nvidiaSMIAgrees(gpus))
        for gpu in gpus {
            var pending: [String] = []
            if (gpu.metrics[GPUMetric.remappedRowsPending] ?? 0) > 0 { pending.append("a row remap") }
            if (gpu.metrics[GPUMetric.retiredPagesPending] ?? 0) > 0 { pending.append("a page retirement") }
            if !pending.isEmpty {
                outcomes.append(CheckOutcome(
                    name: "memory_repair_pending", status: .fail, gpuIndex: gpu.index,
                    message: "\(pending.joined(separator: " and ")) is pending; reset the GPU to apply it"))
            }
        }
        if !outcomes.contains(where: { $0.name == "memory_repair_pending" }) {
            outcomes.append(CheckOutcome(name: "memory_repair_pending", status: .pass, message: "no row remap or page retirement pending"))
        }
        outcomes.append(await backend.memoryRoundTrip())
        return outcomes
    }

    private func nvidiaSMIAgrees(_ gpus: [GPU]) async -> CheckOutcome {
        let name = "nvidia_smi"
        let output: CommandRunner.Output?
        do { output = try await runner.run("nvidia-smi", ["-L"], timeout: .seconds(30)) } catch {
            return CheckOutcome(name: name, status: .fail, message: "cannot run nvidia-smi: \(error)")
        }
        guard let output else { return CheckOutcome(name: name, status: .skip, message: "nvidia-smi is not installed") }
        guard output.status == 0 else {
            let detail = (output.stdout + output.stderr).split(separator: "\n").first.map(String.init) ?? "no output"
            return CheckOutcome(name: name, status: .fail, message: "nvidia-smi -L exited \(output.status): \(detail)")
        }
        let listed = NvidiaSMIList.parse(output.stdout).gpus
        let listedUUIDs = Set(listed.map(\.uuid)), ourUUIDs = Set(gpus.map(\.uuid))
        guard listedUUIDs == ourUUIDs else {
            return CheckOutcome(
                name: name, status: .fail,
                message: "nvidia-smi lists \(listed.count) GPU(s), the agent sees \(gpus.count); differing: \(listedUUIDs.symmetricDifference(ourUUIDs).sorted().joined(separator: ", "))")
        }
        return CheckOutcome(name: name, status: .pass, message: "nvidia-smi -L lists the same \(listed.count) GPU(s)")
    }
}
