import Foundation
import NavarchCore
import NavarchProcess
import NavarchHealth
@testable import NavarchNode
import NavarchNVML
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The test-only libnvidia-ml.so (Sources/FakeNVML), driven through its control functions.
enum FakeNVML {
    static var path: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let directory = ProcessInfo.processInfo.environment["NAVARCH_BIN_DIR"] ?? root.appendingPathComponent(".build/debug").path
        return directory + "/libnvidia-ml.so"
    }

    static func handle() throws -> UnsafeMutableRawPointer {
        try #require(dlopen(path, RTLD_NOW | RTLD_LOCAL), "build the package first: \(path) is missing")
    }

    static func reset(count: UInt32 = 8, name: String = "NVIDIA H100 80GB HBM3", initResult: Int32 = 0) throws {
        typealias Reset = @convention(c) (UInt32, UnsafePointer<CChar>?, Int32) -> Void
        let reset = unsafeBitCast(try #require(dlsym(try handle(), "fake_nvml_reset")), to: Reset.self)
        name.withCString { reset(count, $0, initResult) }
    }

    static func set(gpu: UInt32, _ field: String, _ value: UInt64) throws {
        typealias Set = @convention(c) (UInt32, UnsafePointer<CChar>?, UInt64) -> Void
        let set = unsafeBitCast(try #require(dlsym(try handle(), "fake_nvml_set")), to: Set.self)
        field.withCString { set(gpu, $0, value) }
    }

    static func injectXID(gpu: UInt32, _ code: UInt64) throws {
        typealias Inject = @convention(c) (UInt32, UInt64) -> Void
        unsafeBitCast(try #require(dlsym(try handle(), "fake_nvml_inject_xid")), to: Inject.self)(gpu, code)
    }
}

/// The NVML backend through the real dlopen path, against the fake library with NVML's ABI.
@Suite(.serialized, .timeLimit(.minutes(1))) struct NVMLBackendTests {
    @Test func readsEveryGPUAndItsHealthCounters() async throws {
        try FakeNVML.reset()
        try FakeNVML.set(gpu: 3, "temperature", 85)
        try FakeNVML.set(gpu: 3, "clock_reasons", 0x40 | 0x1)
        try FakeNVML.set(gpu: 3, "ecc_dbe_volatile", 2)
        try FakeNVML.set(gpu: 3, "retired_dbe", 4)
        try FakeNVML.set(gpu: 3, "retired_sbe", 1)
        try FakeNVML.set(gpu: 3, "remap_pending", 1)
        try FakeNVML.set(gpu: 3, "nvlink_down_mask", 0b101)
        try FakeNVML.set(gpu: 3, "nvlink_crc_flit", 7)
        try FakeNVML.set(gpu: 3, "pcie_replays", 12)
        let backend = await NVMLBackend.open(path: FakeNVML.path)
        #expect(backend.unavailableReason == nil)
        let gpus = try await backend.snapshot()
        #expect(gpus.count == 8)
        #expect(gpus.map(\.pciBusID) == ["18", "2A", "3A", "5D", "9A", "AB", "BA", "DB"].map { "00000000:\($0):00.0" })
        #expect(gpus[0].model == "NVIDIA H100 80GB HBM3" && gpus[0].memoryTotalMiB == 81_559)
        #expect(gpus[0].uuid.hasPrefix("GPU-") && Set(gpus.map(\.uuid)).count == 8)
        #expect(gpus[0].serial == "1654321000000")
        #expect(gpus[1].powerWatts == 71 && gpus[1].metrics[GPUMetric.powerLimitWatts] == 700)
        let sick = gpus[3].metrics
        #expect(gpus[3].temperatureCelsius == 85)
        #expect(sick[GPUMetric.slowdownTemperatureCelsius] == 87 && sick[GPUMetric.slowdownMarginCelsius] == 2)
        #expect(sick[GPUMetric.shutdownTemperatureCelsius] == 92)
        #expect(sick[GPUMetric.throttleHardwareThermal] == 1 && sick[GPUMetric.throttleHardwarePowerBrake] == 0)
        #expect(sick[GPUMetric.eccDoubleBitVolatile] == 2 && sick[GPUMetric.eccEnabled] == 1)
        #expect(sick[GPUMetric.retiredPagesDoubleBit] == 4 && sick[GPUMetric.retiredPagesTotal] == 5)
        #expect(sick[GPUMetric.remappedRowsPending] == 1 && sick[GPUMetric.remappedRowsFailure] == 0)
        #expect(sick[GPUMetric.nvlinkLinksUp] == 16 && sick[GPUMetric.nvlinkLinksDown] == 2 && sick[GPUMetric.nvlinkErrors] == 7)
        #expect(sick[GPUMetric.pcieReplayCount] == 12)
        let versions = await backend.versions()
        #expect(versions == ["nvidia.driver_version": "570.172.08", "nvidia.cuda_version": "12.8"])

        // The policy turns those counters into verdicts.
        var state = NodeHealthState(gpus: gpus)
        let observations = state.refresh(gpus, at: Date())
        #expect(observations.map(\.gpuIndex) == [3])
        #expect(state.gpus[3].health == .unhealthy && state.health == .unhealthy)
    }

    @Test func gpusInOneNVLinkFabricReportItsDomain() async throws {
        try FakeNVML.reset()
        for gpu in UInt32(0)..<8 { try FakeNVML.set(gpu: gpu, "fabric_clique", 7) }
        let backend = await NVMLBackend.open(path: FakeNVML.path)
        let versions = await backend.versions()
        #expect(versions["topology.nvlink-domain"] == "5a5b5c5d-5e5f-6061-6263-646566676869/7")
        // One GPU in another clique: no single domain to report.
        try FakeNVML.set(gpu: 5, "fabric_clique", 8)
        #expect(await backend.versions()["topology.nvlink-domain"] == nil)
        try FakeNVML.reset()
    }

    @Test func xidEventsArriveForTheRightGPU() async throws {
        try FakeNVML.reset()
        let backend = await NVMLBackend.open(path: FakeNVML.path)
        let events = try #require(backend.xidEvents())
        try await Task.sleep(for: .milliseconds(100))
        try FakeNVML.injectXID(gpu: 5, 79)
        try FakeNVML.injectXID(gpu: 1, 48)
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == GPUXIDEvent(gpuIndex: 5, code: 79))
        #expect(await iterator.next() == GPUXIDEvent(gpuIndex: 1, code: 48))
    }

    @Test func driverNotLoadedIsOneClearReason() async throws {
        try FakeNVML.reset(initResult: 9)
        let backend = await NVMLBackend.open(path: FakeNVML.path)
        let reason = try #require(backend.unavailableReason)
        #expect(reason == "nvmlInit_v2 failed: Driver Not Loaded (NVML error 9): the NVIDIA kernel driver is not loaded")
        #expect(try await backend.snapshot().isEmpty)
        let outcomes = await BootChecks(runner: CommandRunner(searchPath: [])).run(backend: backend, gpus: [])
        #expect(outcomes == [CheckOutcome(name: "gpu_backend", status: .fail, message: reason)])
        var state = NodeHealthState(gpus: [])
        _ = state.apply(check: "gpu_backend", status: .fail, gpuIndex: nil, message: reason, at: Date())
        #expect(state.health == .unhealthy && state.reason.contains("Driver Not Loaded"))
    }

    @Test func aMissingLibraryIsOneClearReason() async {
        let backend = await NVMLBackend.open(path: "/nonexistent/libnvidia-ml.so.1")
        #expect(backend.unavailableReason?.hasPrefix("NVML library /nonexistent/libnvidia-ml.so.1 cannot be loaded (is the NVIDIA driver installed?)") == true)
    }

    @Test func aLostGPUIsAnError() async throws {
        try FakeNVML.reset(count: 2)
        let backend = await NVMLBackend.open(path: FakeNVML.path)
        try FakeNVML.set(gpu: 1, "lost", 1)
        await #expect(throws: NVMLError.self) { try await backend.snapshot() }
    }

    /// NVIDIA's own libnvidia-ml (from Debian's non-free archive, fetched by scripts/test.sh) on a
    /// machine without the NVIDIA driver: the agent must report exactly that.
    static var realNVML: String? {
        ProcessInfo.processInfo.environment["NAVARCH_REAL_NVML"].flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
    }

    @Test(.enabled(if: realNVML != nil, "NAVARCH_REAL_NVML does not name NVIDIA's libnvidia-ml.so.1 (scripts/test.sh fetches it when it can)"))
    func nvidiasOwnLibraryWithoutADriver() async throws {
        let path = try #require(Self.realNVML)
        let backend = await NVMLBackend.open(path: path)
        let reason = try #require(backend.unavailableReason, "a machine with an NVIDIA driver runs this test without the point of it")
        #expect(reason.contains("nvmlInit_v2 failed"), "\(reason)")
        print("NVIDIA's libnvidia-ml says: \(reason)")
    }
}

/// The boot check's GPU memory round trip through the CUDA driver API, against a test-only
/// libcuda.so (Sources/FakeCUDA) loaded by the real dlopen path.
/// In the NVML suite, which runs its tests one at a time: both drive the same fake libraries.
extension NVMLBackendTests {
    static var cudaPath: String { FakeNVML.path.replacingOccurrences(of: "libnvidia-ml.so", with: "libcuda.so") }

    static func configureCUDA(devices: Int32 = 8, initResult: Int32 = 0, corrupt: Int32 = -1) throws {
        typealias Configure = @convention(c) (Int32, Int32, Int32) -> Void
        let handle = try #require(dlopen(cudaPath, RTLD_NOW | RTLD_LOCAL), "\(cudaPath) is missing")
        unsafeBitCast(try #require(dlsym(handle, "fake_cuda_configure")), to: Configure.self)(devices, initResult, corrupt)
    }

    @Test func cudaRoundTripPassesOnEveryGPU() async throws {
        try FakeNVML.reset()
        try Self.configureCUDA()
        let backend = await NVMLBackend.open(path: FakeNVML.path, cudaPath: Self.cudaPath)
        let outcome = await backend.memoryRoundTrip()
        #expect(outcome == CheckOutcome(name: "cuda_memory", status: .pass, message: "8 GPU(s): wrote and read back 16 MiB"))
    }

    @Test func corruptedMemoryNamesTheGPUByItsPCIAddress() async throws {
        try FakeNVML.reset()
        try Self.configureCUDA(corrupt: 2)
        let backend = await NVMLBackend.open(path: FakeNVML.path, cudaPath: Self.cudaPath)
        let outcome = await backend.memoryRoundTrip()
        #expect(outcome.status == .fail && outcome.gpuIndex == 2)
        #expect(outcome.message.hasPrefix("GPU 2: wrote 16 MiB, byte 4096 came back"), "\(outcome.message)")
    }

    @Test func noCUDALibraryIsASkipAndACUDAErrorAFailure() async throws {
        try FakeNVML.reset()
        let missing = await NVMLBackend.open(path: FakeNVML.path, cudaPath: "/nonexistent/libcuda.so.1").memoryRoundTrip()
        #expect(missing.status == .skip && missing.message.hasPrefix("the CUDA driver library is not installed"))
        try Self.configureCUDA(initResult: 100)
        let failed = await NVMLBackend.open(path: FakeNVML.path, cudaPath: Self.cudaPath).memoryRoundTrip()
        #expect(failed == CheckOutcome(name: "cuda_memory", status: .fail, message: "cuInit failed: no CUDA-capable device is detected (CUDA error 100)"))
        try Self.configureCUDA()
    }
}
