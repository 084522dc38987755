import Foundation
import NavarchCore
import NavarchNVML

/// GPUs as NVIDIA's management library sees them. Loads `libnvidia-ml.so.1` at run time; where
/// the library or the driver is missing it stays up, reports no GPUs, and says why in
/// ``unavailableReason`` so the node is reported unhealthy with that reason.
public final class NVMLBackend: GPUBackend, @unchecked Sendable {
    public let name = "nvml"
    let library: NVMLLibrary?
    public let unavailableReason: String?

    /// Loads and initialises NVML from `path`.
    public static func open(path: String = NVMLLibrary.defaultPath) async -> NVMLBackend {
        let library: NVMLLibrary
        do { library = try NVMLLibrary(path: path) } catch {
            return NVMLBackend(library: nil, unavailableReason: "\(error)")
        }
        do {
            try await library.initialize()
            return NVMLBackend(library: library, unavailableReason: nil)
        } catch {
            return NVMLBackend(library: nil, unavailableReason: "\(error)")
        }
    }

    init(library: NVMLLibrary?, unavailableReason: String?) {
        self.library = library
        self.unavailableReason = unavailableReason
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
