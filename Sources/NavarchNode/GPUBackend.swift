import NavarchCore

/// Access to the machine's GPUs. The agent never talks to GPUs any other way, so a real
/// NVML backend and the simulated one are interchangeable.
public protocol GPUBackend: Sendable {
    /// A short name for logs and labels: `simulated`, `nvml`.
    var name: String { get }
    /// Every GPU with its current metrics.
    func snapshot() async throws -> [GPU]
}
