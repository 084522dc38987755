import CNVML
import Foundation
import NavarchCore
import NavarchHealth
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// NVIDIA's management library, loaded at run time with `dlopen` (never linked, so the agent
/// runs on machines without a driver and says why). Every call runs on one private serial queue,
/// never on Swift's cooperative pool: NVML calls can block for a long time on a sick GPU.
public final class NVMLLibrary: @unchecked Sendable {
    /// The soname NVIDIA's driver installs.
    public static let defaultPath = "libnvidia-ml.so.1"

    typealias Device = OpaquePointer
    typealias NoArguments = @convention(c) () -> Int32
    typealias ErrorString = @convention(c) (Int32) -> UnsafePointer<CChar>?
    typealias GetString = @convention(c) (UnsafeMutablePointer<CChar>?, UInt32) -> Int32
    typealias GetInt = @convention(c) (UnsafeMutablePointer<Int32>?) -> Int32
    typealias GetUInt = @convention(c) (UnsafeMutablePointer<UInt32>?) -> Int32
    typealias HandleByIndex = @convention(c) (UInt32, UnsafeMutablePointer<Device?>?) -> Int32
    typealias DeviceString = @convention(c) (Device?, UnsafeMutablePointer<CChar>?, UInt32) -> Int32
    typealias DevicePCI = @convention(c) (Device?, UnsafeMutablePointer<navarch_nvmlPciInfo_t>?) -> Int32
    typealias DeviceMemory = @convention(c) (Device?, UnsafeMutablePointer<navarch_nvmlMemory_t>?) -> Int32
    typealias DeviceUtilization = @convention(c) (Device?, UnsafeMutablePointer<navarch_nvmlUtilization_t>?) -> Int32
    typealias DeviceEnumUInt = @convention(c) (Device?, Int32, UnsafeMutablePointer<UInt32>?) -> Int32
    typealias DeviceUInt = @convention(c) (Device?, UnsafeMutablePointer<UInt32>?) -> Int32
    typealias DeviceUInt64 = @convention(c) (Device?, UnsafeMutablePointer<UInt64>?) -> Int32
    typealias DeviceInt = @convention(c) (Device?, UnsafeMutablePointer<Int32>?) -> Int32
    typealias DeviceTwoInts = @convention(c) (Device?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?) -> Int32
    typealias EccCount = @convention(c) (Device?, Int32, Int32, UnsafeMutablePointer<UInt64>?) -> Int32
    typealias RetiredPages = @convention(c) (Device?, Int32, UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<UInt64>?) -> Int32
    typealias RemappedRows = @convention(c) (
        Device?, UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<UInt32>?
    ) -> Int32
    typealias FabricInfo = @convention(c) (Device?, UnsafeMutablePointer<navarch_nvmlGpuFabricInfo_t>?) -> Int32
    typealias LinkState = @convention(c) (Device?, UInt32, UnsafeMutablePointer<Int32>?) -> Int32
    typealias LinkCounter = @convention(c) (Device?, UInt32, Int32, UnsafeMutablePointer<UInt64>?) -> Int32
    typealias EventSetCreate = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    typealias RegisterEvents = @convention(c) (Device?, UInt64, OpaquePointer?) -> Int32
    typealias EventWait = @convention(c) (OpaquePointer?, UnsafeMutablePointer<navarch_nvmlEventData_t>?, UInt32) -> Int32

    public let path: String
    private let handle: UnsafeMutableRawPointer
    private let queue = DispatchQueue(label: "navarch.nvml")
    private let eventQueue = DispatchQueue(label: "navarch.nvml.events")
    private var devices: [Device?] = []
    private var eventSet: OpaquePointer?

    /// Loads the library; fails with the loader's reason when it is not there.
    public init(path: String = NVMLLibrary.defaultPath) throws(NVMLError) {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw .libraryNotFound(path: path, reason: dlerror().map { String(cString: $0) } ?? "unknown error")
        }
        self.path = path
        self.handle = handle
    }

    func symbol<T>(_ name: String, as type: T.Type) -> T? {
        guard let pointer = dlsym(handle, name) else { return nil }
        return unsafeBitCast(pointer, to: type)
    }

    func required<T>(_ name: String, as type: T.Type) throws(NVMLError) -> T {
        guard let function = symbol(name, as: type) else { throw .missingFunction(name) }
        return function
    }

    func errorText(_ code: Int32) -> String {
        symbol("nvmlErrorString", as: ErrorString.self).flatMap { $0(code) }.map { String(cString: $0) } ?? "error \(code)"
    }

    func check(_ function: String, _ code: Int32) throws(NVMLError) {
        guard code == 0 else { throw .call(function: function, code: code, message: errorText(code)) }
    }

    /// Runs `body` on the NVML queue.
    func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// `nvmlInit_v2` and the device handles.
    public func initialize() async throws {
        try await onQueue { try self.initializeNow() }
    }

    private func initializeNow() throws(NVMLError) {
        try check("nvmlInit_v2", try required("nvmlInit_v2", as: NoArguments.self)())
        var count: UInt32 = 0
        try check("nvmlDeviceGetCount_v2", try required("nvmlDeviceGetCount_v2", as: GetUInt.self)(&count))
        let byIndex = try required("nvmlDeviceGetHandleByIndex_v2", as: HandleByIndex.self)
        devices = []
        for index in 0..<count {
            var device: Device?
            try check("nvmlDeviceGetHandleByIndex_v2", byIndex(index, &device))
            devices.append(device)
        }
    }

    /// Driver and CUDA versions.
    public func versions() async -> [String: String] {
        (try? await onQueue { () -> [String: String] in
            var result: [String: String] = [:]
            if let driver = self.symbol("nvmlSystemGetDriverVersion", as: GetString.self) {
                var buffer = [CChar](repeating: 0, count: 96)
                if driver(&buffer, 96) == 0 { result["nvidia.driver_version"] = String(cString: buffer) }
            }
            if let cuda = self.symbol("nvmlSystemGetCudaDriverVersion_v2", as: GetInt.self) ?? self.symbol("nvmlSystemGetCudaDriverVersion", as: GetInt.self) {
                var version: Int32 = 0
                if cuda(&version) == 0 { result["nvidia.cuda_version"] = "\(version / 1000).\((version % 1000) / 10)" }
            }
            if let domain = self.fabricDomain() { result["topology.nvlink-domain"] = domain }
            return result
        }) ?? [:]
    }

    /// The multi-node NVLink domain every GPU has joined (`<cluster uuid>/<clique id>`), or nil
    /// where the GPUs have none (HGX machines whose NVSwitches serve one node) or differ.
    private func fabricDomain() -> String? {
        guard let read = symbol("nvmlDeviceGetGpuFabricInfo", as: FabricInfo.self), !devices.isEmpty else { return nil }
        var domains = Set<String>()
        for device in devices {
            var info = navarch_nvmlGpuFabricInfo_t()
            guard read(device, &info) == 0, info.status == 0, info.state == NAVARCH_NVML_GPU_FABRIC_STATE_COMPLETED else { return nil }
            let bytes = withUnsafeBytes(of: info.clusterUuid) { Array($0) }
            let hex = bytes.map { String(format: "%02x", $0) }.joined()
            let uuid = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
                .joined(separator: "-")
            domains.insert("\(uuid)/\(info.cliqueId)")
        }
        return domains.count == 1 ? domains.first : nil
    }

    /// Reads every GPU: identity and the metrics health rules test (see `GPUMetric`).
    public func sample() async throws -> [GPU] {
        try await onQueue { try self.sampleNow() }
    }

    private func string(_ name: String, _ device: Device?) -> String {
        guard let function = symbol(name, as: DeviceString.self) else { return "" }
        var buffer = [CChar](repeating: 0, count: 96)
        return function(device, &buffer, 96) == 0 ? String(cString: buffer) : ""
    }

    private func sampleNow() throws -> [GPU] {
        var gpus: [GPU] = []
        for (index, device) in devices.enumerated() {
            let uuid = string("nvmlDeviceGetUUID", device)
            if uuid.isEmpty, let function = symbol("nvmlDeviceGetUUID", as: DeviceString.self) {
                var buffer = [CChar](repeating: 0, count: 96)
                try check("nvmlDeviceGetUUID", function(device, &buffer, 96))
            }
            var gpu = GPU(index: index, uuid: uuid, model: string("nvmlDeviceGetName", device), pciBusID: "", memoryTotalMiB: 0)
            gpu.serial = string("nvmlDeviceGetSerial", device)
            var metrics: [String: Double] = [:]
            if let pci = symbol("nvmlDeviceGetPciInfo_v3", as: DevicePCI.self) {
                var info = navarch_nvmlPciInfo_t()
                if pci(device, &info) == 0 {
                    gpu.pciBusID = withUnsafeBytes(of: &info.busId) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                }
            }
            if let memory = symbol("nvmlDeviceGetMemoryInfo", as: DeviceMemory.self) {
                var info = navarch_nvmlMemory_t()
                if memory(device, &info) == 0 {
                    gpu.memoryTotalMiB = Int(info.total / 1_048_576)
                    metrics[GPUMetric.memoryUsedMiB] = Double(info.used / 1_048_576)
                }
            }
            if let utilization = symbol("nvmlDeviceGetUtilizationRates", as: DeviceUtilization.self) {
                var rates = navarch_nvmlUtilization_t()
                if utilization(device, &rates) == 0 {
                    metrics[GPUMetric.utilizationPercent] = Double(rates.gpu)
                    metrics[GPUMetric.memoryUtilizationPercent] = Double(rates.memory)
                }
            }
            if let temperature = symbol("nvmlDeviceGetTemperature", as: DeviceEnumUInt.self) {
                var value: UInt32 = 0
                if temperature(device, 0, &value) == 0 {
                    gpu.temperatureCelsius = Double(value)
                    metrics[GPUMetric.temperatureCelsius] = Double(value)
                }
            }
            if let threshold = symbol("nvmlDeviceGetTemperatureThreshold", as: DeviceEnumUInt.self) {
                var shutdown: UInt32 = 0, slowdown: UInt32 = 0
                if threshold(device, 0, &shutdown) == 0 { metrics[GPUMetric.shutdownTemperatureCelsius] = Double(shutdown) }
                if threshold(device, 1, &slowdown) == 0 {
                    metrics[GPUMetric.slowdownTemperatureCelsius] = Double(slowdown)
                    if let current = metrics[GPUMetric.temperatureCelsius] { metrics[GPUMetric.slowdownMarginCelsius] = Double(slowdown) - current }
                }
            }
            if let power = symbol("nvmlDeviceGetPowerUsage", as: DeviceUInt.self) {
                var milliwatts: UInt32 = 0
                if power(device, &milliwatts) == 0 {
                    gpu.powerWatts = Double(milliwatts) / 1000
                    metrics[GPUMetric.powerWatts] = gpu.powerWatts
                }
            }
            if let limit = symbol("nvmlDeviceGetEnforcedPowerLimit", as: DeviceUInt.self) {
                var milliwatts: UInt32 = 0
                if limit(device, &milliwatts) == 0 { metrics[GPUMetric.powerLimitWatts] = Double(milliwatts) / 1000 }
            }
            if let reasons = symbol("nvmlDeviceGetCurrentClocksEventReasons", as: DeviceUInt64.self)
                ?? symbol("nvmlDeviceGetCurrentClocksThrottleReasons", as: DeviceUInt64.self)
            {
                var mask: UInt64 = 0
                if reasons(device, &mask) == 0 {
                    metrics[GPUMetric.throttleReasons] = Double(mask)
                    metrics[GPUMetric.throttleSoftwarePowerCap] = mask & 0x4 != 0 ? 1 : 0
                    metrics[GPUMetric.throttleHardwareSlowdown] = mask & 0x8 != 0 ? 1 : 0
                    metrics[GPUMetric.throttleSoftwareThermal] = mask & 0x20 != 0 ? 1 : 0
                    metrics[GPUMetric.throttleHardwareThermal] = mask & 0x40 != 0 ? 1 : 0
                    metrics[GPUMetric.throttleHardwarePowerBrake] = mask & 0x80 != 0 ? 1 : 0
                }
            }
            readMemoryErrors(device, into: &metrics)
            readInterconnect(device, into: &metrics)
            gpu.metrics = metrics
            gpus.append(gpu)
        }
        return gpus
    }

    private func readMemoryErrors(_ device: Device?, into metrics: inout [String: Double]) {
        if let mode = symbol("nvmlDeviceGetEccMode", as: DeviceTwoInts.self) {
            var current: Int32 = 0, pending: Int32 = 0
            if mode(device, &current, &pending) == 0 { metrics[GPUMetric.eccEnabled] = Double(current) }
        }
        if let total = symbol("nvmlDeviceGetTotalEccErrors", as: EccCount.self) {
            let counters = [
                (0, 0, GPUMetric.eccSingleBitVolatile), (0, 1, GPUMetric.eccSingleBitAggregate),
                (1, 0, GPUMetric.eccDoubleBitVolatile), (1, 1, GPUMetric.eccDoubleBitAggregate),
            ]
            for (errorType, counterType, name) in counters {
                var count: UInt64 = 0
                if total(device, Int32(errorType), Int32(counterType), &count) == 0 { metrics[name] = Double(count) }
            }
        }
        if let retired = symbol("nvmlDeviceGetRetiredPages", as: RetiredPages.self) {
            var total = 0.0
            var read = false
            for (cause, name) in [(0, GPUMetric.retiredPagesSingleBit), (1, GPUMetric.retiredPagesDoubleBit)] {
                var count: UInt32 = 0
                let code = retired(device, Int32(cause), &count, nil)
                if code == 0 || code == Int32(NAVARCH_NVML_ERROR_INSUFFICIENT_SIZE) {
                    metrics[name] = Double(count)
                    total += Double(count)
                    read = true
                }
            }
            if read { metrics[GPUMetric.retiredPagesTotal] = total }
        }
        if let pending = symbol("nvmlDeviceGetRetiredPagesPendingStatus", as: DeviceInt.self) {
            var state: Int32 = 0
            if pending(device, &state) == 0 { metrics[GPUMetric.retiredPagesPending] = Double(state) }
        }
        if let remapped = symbol("nvmlDeviceGetRemappedRows", as: RemappedRows.self) {
            var corrected: UInt32 = 0, uncorrected: UInt32 = 0, pending: UInt32 = 0, failure: UInt32 = 0
            if remapped(device, &corrected, &uncorrected, &pending, &failure) == 0 {
                metrics[GPUMetric.remappedRowsCorrectable] = Double(corrected)
                metrics[GPUMetric.remappedRowsUncorrectable] = Double(uncorrected)
                metrics[GPUMetric.remappedRowsPending] = Double(pending)
                metrics[GPUMetric.remappedRowsFailure] = Double(failure)
            }
        }
    }

    private func readInterconnect(_ device: Device?, into metrics: inout [String: Double]) {
        if let state = symbol("nvmlDeviceGetNvLinkState", as: LinkState.self) {
            var up = 0, down = 0
            var errors: UInt64 = 0
            let counter = symbol("nvmlDeviceGetNvLinkErrorCounter", as: LinkCounter.self)
            for link in 0..<UInt32(NAVARCH_NVML_NVLINK_MAX_LINKS) {
                var active: Int32 = 0
                guard state(device, link, &active) == 0 else { continue }
                if active == 1 { up += 1 } else { down += 1 }
                for kind: Int32 in 0...3 {
                    var value: UInt64 = 0
                    if let counter, counter(device, link, kind, &value) == 0 { errors &+= value }
                }
            }
            if up + down > 0 {
                metrics[GPUMetric.nvlinkLinksUp] = Double(up)
                metrics[GPUMetric.nvlinkLinksDown] = Double(down)
                metrics[GPUMetric.nvlinkErrors] = Double(errors)
            }
        }
        if let replays = symbol("nvmlDeviceGetPcieReplayCounter", as: DeviceUInt.self) {
            var value: UInt32 = 0
            if replays(device, &value) == 0 { metrics[GPUMetric.pcieReplayCount] = Double(value) }
        }
    }

    /// Subscribes every GPU to XID critical-error events; returns the GPUs it could not subscribe.
    public func subscribeToXIDs() async throws -> [Int] {
        try await onQueue {
            let create = try self.required("nvmlEventSetCreate", as: EventSetCreate.self)
            let register = try self.required("nvmlDeviceRegisterEvents", as: RegisterEvents.self)
            var set: OpaquePointer?
            try self.check("nvmlEventSetCreate", create(&set))
            self.eventSet = set
            var failed: [Int] = []
            for (index, device) in self.devices.enumerated()
            where register(device, UInt64(NAVARCH_NVML_EVENT_TYPE_XID_CRITICAL_ERROR), set) != 0 {
                failed.append(index)
            }
            return failed
        }
    }

    /// Waits up to `timeoutMilliseconds` for an XID event; nil on timeout. Runs on its own queue
    /// so that a long wait does not hold up sampling.
    public func nextXID(timeoutMilliseconds: UInt32) async throws -> GPUXID? {
        try await withCheckedThrowingContinuation { continuation in
            eventQueue.async {
                continuation.resume(with: Result { () throws(NVMLError) -> GPUXID? in
                    let wait = try self.required("nvmlEventSetWait_v2", as: EventWait.self)
                    var data = navarch_nvmlEventData_t()
                    let code = wait(self.eventSet, &data, timeoutMilliseconds)
                    if code == Int32(NAVARCH_NVML_ERROR_TIMEOUT) { return nil }
                    try self.check("nvmlEventSetWait_v2", code)
                    let index = self.devices.firstIndex { $0 == data.device } ?? -1
                    return GPUXID(gpuIndex: index, code: Int(data.eventData))
                })
            }
        }
    }
}

/// An XID event from NVML: the GPU (by index; -1 when NVML named an unknown device) and the code.
public struct GPUXID: Sendable, Equatable {
    public var gpuIndex: Int
    public var code: Int
}
