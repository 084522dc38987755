/// Why an NVML call failed, in NVML's own words.
public enum NVMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `dlopen` could not load the library (no NVIDIA driver installed).
    case libraryNotFound(path: String, reason: String)
    /// The library lacks a function Navarch needs.
    case missingFunction(String)
    /// A call returned an error code; `message` is `nvmlErrorString`'s text.
    case call(function: String, code: Int32, message: String)

    /// NVML's NVML_ERROR_DRIVER_NOT_LOADED.
    public static let driverNotLoaded: Int32 = 9

    public var description: String {
        switch self {
        case .libraryNotFound(let path, let reason): "NVML library \(path) cannot be loaded (is the NVIDIA driver installed?): \(reason)"
        case .missingFunction(let name): "the NVML library has no \(name); the driver is too old"
        case .call(let function, let code, let message):
            code == Self.driverNotLoaded
                ? "\(function) failed: \(message) (NVML error \(code)): the NVIDIA kernel driver is not loaded"
                : "\(function) failed: \(message) (NVML error \(code))"
        }
    }
}
