import Foundation
import NavarchCore
import NavarchHealth
import NavarchNVML

/// GPUs as NVIDIA's management library sees them. Loads `libnvidia-ml.so.1` at run time; where
/// the library or the driver is missing it stays up, reports no GPUs, and says why in
/// ``unavailableReason`` so the node is reported unhealthy with that reason.
public final class NVMLBackend: GPUBackend, @unchecked Sendable {
    public let name = "nvml"
    let library: NVMLLibrary?
    public let unavailableReason: String?
    /// The CUDA driver library the memory round trip loads.
    let cudaPath: String

    /// Loads and initialises NVML from `path`; `cudaPath` is the CUDA driver library for the
    /// boot check's memory round trip.
    public static func open(path: String = NVMLLibrary.defaultPath, cudaPath: String = CUDAMemoryCheck.defaultPath) async -> NVMLBackend {
        let library: NVMLLibrary
        do { library = try NVMLLibrary(path: path) } catch {
            return NVMLBackend(library: nil, unavailableReason: "\(error)", cudaPath: cudaPath)
        }
        do {
            try await library.initialize()
            return NVMLBackend(library: library, unavailableReason: nil, cudaPath: cudaPath)
        } catch {
            return NVMLBackend(library: nil, unavailableReason: "\(error)", cudaPath: cudaPath)
        }
    }

    init(library: NVMLLibrary?, unavailableReason: String?, cudaPath: String) {
        self.library = library
        self.unavailableReason = unavailableReason
        self.cudaPath = cudaPath
    }

    /// Writes a pattern to every GPU's memory through CUDA and reads it back.
    public func memoryRoundTrip() async -> CheckOutcome {
        let results: [CUDAMemoryCheck.Result]
        do { results = try await CUDAMemoryCheck.run(path: cudaPath) } catch {
            if case .libraryMissing = error {
                return CheckOutcome(name: "cuda_memory", status: .skip, message: "\(error)")
            }
            return CheckOutcome(name: "cuda_memory", status: .fail, message: "\(error)")
        }
        let gpus = (try? await snapshot()) ?? []
        let bad = results.filter { !$0.passed }
        guard bad.isEmpty else {
            let described = bad.map { result in
                let index = gpus.first { PCIAddress.normalize($0.pciBusID) == result.pciAddress }?.index
                return "\(index.map { "GPU \($0)" } ?? "PCI \(result.pciAddress)"): \(result.message)"
            }
            let index = gpus.first { PCIAddress.normalize($0.pciBusID) == bad[0].pciAddress }?.index
            return CheckOutcome(name: "cuda_memory", status: .fail, gpuIndex: bad.count == 1 ? index : nil, message: described.joined(separator: "; "))
        }
        return CheckOutcome(name: "cuda_memory", status: .pass, message: "\(results.count) GPU(s): \(results.first?.message ?? "")")
    }

    public func snapshot() async throws -> [GPU] {
        guard let library else { return [] }
        return try await library.sample()
    }

    public func versions() async -> [String: String] {
        await library?.versions() ?? [:]
    }

    public func xidEvents() -> AsyncStream<GPUXIDEvent>? {
        guard let library else { return nil }
        return AsyncStream { continuation in
            let task = Task {
                guard (try? await library.subscribeToXIDs()) != nil else {
                    continuation.finish()
                    return
                }
                while !Task.isCancelled {
                    do {
                        if let event = try await library.nextXID(timeoutMilliseconds: 500) {
                            continuation.yield(GPUXIDEvent(gpuIndex: event.gpuIndex, code: event.code))
                        }
                    } catch {
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
