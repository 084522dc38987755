import Foundation
import NavarchCore
import NavarchHealth
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A write/read round trip through each GPU's memory with the CUDA driver API (`libcuda.so.1`,
/// loaded with `dlopen`): a pattern goes to the device and must come back unchanged. Runs on a
/// thread of its own. Results are keyed by normalised PCI address, since CUDA's device order
/// need not be NVML's.
public enum CUDAMemoryCheck {
    public static let defaultPath = "libcuda.so.1"

    /// The outcome on one device.
    public struct Result: Sendable, Equatable, Codable {
        /// Normalised PCI address (see `PCIAddress`).
        public var pciAddress: String
        public var passed: Bool
        public var message: String
    }

    public enum Failure: Error, Sendable, Equatable, Codable, CustomStringConvertible {
        case libraryMissing(String)
        case call(function: String, code: Int32, message: String)

        public var description: String {
            switch self {
            case .libraryMissing(let reason): "the CUDA driver library is not installed: \(reason)"
            case .call(let function, let code, let message): "\(function) failed: \(message) (CUDA error \(code))"
            }
        }
    }

    typealias Init = @convention(c) (UInt32) -> Int32
    typealias GetInt = @convention(c) (UnsafeMutablePointer<Int32>?) -> Int32
    typealias DeviceGet = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    typealias PCIBusID = @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32) -> Int32
    typealias CtxCreate = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, UInt32, Int32) -> Int32
    typealias CtxDestroy = @convention(c) (OpaquePointer?) -> Int32
    typealias MemAlloc = @convention(c) (UnsafeMutablePointer<UInt64>?, Int) -> Int32
    typealias MemFree = @convention(c) (UInt64) -> Int32
    typealias CopyToDevice = @convention(c) (UInt64, UnsafeRawPointer?, Int) -> Int32
    typealias CopyToHost = @convention(c) (UnsafeMutableRawPointer?, UInt64, Int) -> Int32
    typealias ErrorString = @convention(c) (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32

    /// Runs the round trip with `bytes` per device.
    public static func run(path: String = defaultPath, bytes: Int = 16 << 20) async throws(Failure) -> [Result] {
        let outcome: Swift.Result<[Result], Failure> = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: Swift.Result { () throws(Failure) in try runNow(path: path, bytes: bytes) }) }.start()
        }
        return try outcome.get()
    }

    private static func runNow(path: String, bytes: Int) throws(Failure) -> [Result] {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw .libraryMissing(dlerror().map { String(cString: $0) } ?? path)
        }
        func function<T>(_ name: String, _ type: T.Type) throws(Failure) -> T {
            guard let symbol = dlsym(handle, name) else { throw .call(function: name, code: -1, message: "not in \(path)") }
            return unsafeBitCast(symbol, to: type)
        }
        let errorString = dlsym(handle, "cuGetErrorString").map { unsafeBitCast($0, to: ErrorString.self) }
        func check(_ name: String, _ code: Int32) throws(Failure) {
            guard code != 0 else { return }
            var text: UnsafePointer<CChar>? = nil
            _ = errorString?(code, &text)
            throw .call(function: name, code: code, message: text.map { String(cString: $0) } ?? "error \(code)")
        }
        try check("cuInit", try function("cuInit", Init.self)(0))
        var count: Int32 = 0
        try check("cuDeviceGetCount", try function("cuDeviceGetCount", GetInt.self)(&count))
        let deviceGet = try function("cuDeviceGet", DeviceGet.self)
        let busID = try function("cuDeviceGetPCIBusId", PCIBusID.self)
        let create = try function("cuCtxCreate_v2", CtxCreate.self)
        let destroy = try function("cuCtxDestroy_v2", CtxDestroy.self)
        let alloc = try function("cuMemAlloc_v2", MemAlloc.self)
        let free = try function("cuMemFree_v2", MemFree.self)
        let toDevice = try function("cuMemcpyHtoD_v2", CopyToDevice.self)
        let toHost = try function("cuMemcpyDtoH_v2", CopyToHost.self)

        // A pattern that differs from word to word, so a stuck or swapped address shows.
        var pattern = [UInt8](repeating: 0, count: bytes)
        pattern.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for index in words.indices { words[index] = UInt64(index) &* 0x9E37_79B9_7F4A_7C15 }
        }
        var results: [Result] = []
        for ordinal in 0..<count {
            var device: Int32 = 0
            try check("cuDeviceGet", deviceGet(&device, ordinal))
            var name = [CChar](repeating: 0, count: 32)
            try check("cuDeviceGetPCIBusId", busID(&name, 32, device))
            let address = PCIAddress.normalize(String(cString: name)) ?? String(cString: name)
            var context: OpaquePointer? = nil
            let created = create(&context, 0, device)
            guard created == 0 else {
                results.append(Result(pciAddress: address, passed: false, message: "cannot create a CUDA context (error \(created))"))
                continue
            }
            defer { _ = destroy(context) }
            var pointer: UInt64 = 0
            let allocated = alloc(&pointer, bytes)
            guard allocated == 0 else {
                results.append(Result(pciAddress: address, passed: false, message: "cannot allocate \(bytes >> 20) MiB (CUDA error \(allocated))"))
                continue
            }
            defer { _ = free(pointer) }
            var readBack = [UInt8](repeating: 0, count: bytes)
            let wrote = pattern.withUnsafeBytes { toDevice(pointer, $0.baseAddress, bytes) }
            let read = readBack.withUnsafeMutableBytes { toHost($0.baseAddress, pointer, bytes) }
            guard wrote == 0, read == 0 else {
                results.append(Result(pciAddress: address, passed: false, message: "copy failed (CUDA errors \(wrote), \(read))"))
                continue
            }
            let same = pattern.withUnsafeBytes { expected in readBack.withUnsafeBytes { memcmp(expected.baseAddress!, $0.baseAddress!, bytes) == 0 } }
            if !same, let first = zip(pattern, readBack).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
                results.append(Result(
                    pciAddress: address, passed: false,
                    message: "wrote \(bytes >> 20) MiB, byte \(first.offset) came back 0x\(String(first.element.1, radix: 16)) instead of 0x\(String(first.element.0, radix: 16))"))
            } else {
                results.append(Result(pciAddress: address, passed: true, message: "wrote and read back \(bytes >> 20) MiB"))
            }
        }
        return results
    }
}
