import Foundation
import NavarchNVML
import NavarchCore
import NavarchProcess
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
    /// Where the memory round trip runs.
    public let memoryCheck: MemoryCheckPlacement

    /// Where the CUDA memory round trip runs. A CUDA context costs tens of MB that the allocator
    /// keeps after it is destroyed, and a sick driver can hang or crash a process, so the agent runs
    /// the check in a short-lived child (itself, with `--cuda-memory-check`).
    public enum MemoryCheckPlacement: Sendable {
        case inProcess
        /// `executable arguments... --cuda-memory-check --cuda-library PATH`, which prints a `CUDAMemoryCheckReport`.
        case childProcess(executable: String, arguments: [String])
    }

    /// Loads and initialises NVML from `path`; `cudaPath` is the CUDA driver library for the
    /// boot check's memory round trip.
    public static func open(
        path: String = NVMLLibrary.defaultPath, cudaPath: String = CUDAMemoryCheck.defaultPath,
        memoryCheck: MemoryCheckPlacement = .inProcess
    ) async -> NVMLBackend {
        let library: NVMLLibrary
        do { library = try NVMLLibrary(path: path) } catch {
            return NVMLBackend(library: nil, unavailableReason: "\(error)", cudaPath: cudaPath, memoryCheck: memoryCheck)
        }
        do {
            try await library.initialize()
            return NVMLBackend(library: library, unavailableReason: nil, cudaPath: cudaPath, memoryCheck: memoryCheck)
        } catch {
            return NVMLBackend(library: nil, unavailableReason: "\(error)", cudaPath: cudaPath, memoryCheck: memoryCheck)
        }
    }

    init(library: NVMLLibrary?, unavailableReason: String?, cudaPath: String, memoryCheck: MemoryCheckPlacement) {
        self.memoryCheck = memoryCheck
        self.library = library
        self.unavailableReason = unavailableReason
        self.cudaPath = cudaPath
    }

    /// Writes a pattern to every GPU's memory through CUDA and reads it back.
    public func memoryRoundTrip() async -> CheckOutcome {
        let results: [CUDAMemoryCheck.Result]
        do { results = try await runMemoryCheck() } catch {
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

    private func runMemoryCheck() async throws(CUDAMemoryCheck.Failure) -> [CUDAMemoryCheck.Result] {
        switch memoryCheck {
        case .inProcess:
            return try await CUDAMemoryCheck.run(path: cudaPath)
        case .childProcess(let executable, let arguments):
            let output: CommandRunner.Output?
            do {
                output = try await CommandRunner(searchPath: []).run(
                    executable, arguments + ["--cuda-memory-check", "--cuda-library", cudaPath], timeout: .seconds(120))
            } catch {
                throw .call(function: "cuda memory check", code: -1, message: "cannot start \(executable): \(error)")
            }
            guard let output else { throw .call(function: "cuda memory check", code: -1, message: "\(executable) is missing") }
            guard let report = try? JSONDecoder().decode(CUDAMemoryCheckReport.self, from: Data(output.stdout.utf8)) else {
                let detail = output.timedOut ? "did not finish in 120 s" : "exited \(output.status): \(output.stderr.split(separator: "\n").last ?? "")"
                throw .call(function: "cuda memory check", code: output.status, message: detail)
            }
            if let failure = report.failure { throw failure }
            return report.results
        }
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
