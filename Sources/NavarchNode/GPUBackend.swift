import NavarchCore
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
}
