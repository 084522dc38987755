import NavarchCore

/// What an XID means for a machine's health, following NVIDIA's documented resolution for
/// the codes that matter most in a fleet. Application errors (13, 31, 43, 45, ...) do not
/// condemn a machine; codes whose resolution is a GPU reset, a reboot or a hardware
/// investigation make it unhealthy; codes not listed degrade it so that a person looks.
public struct XIDClassifier: Sendable {
    public struct Meaning: Sendable, Equatable {
        public var verdict: HealthStatus
        public var summary: String
    }

    /// Codes an operator chose to ignore.
    public var ignored: Set<Int>

    public init(ignored: Set<Int> = []) {
        self.ignored = ignored
    }

    public func meaning(of code: Int) -> Meaning {
        if ignored.contains(code) { return Meaning(verdict: .healthy, summary: "ignored by configuration") }
        if let known = Self.known[code] { return known }
        return Meaning(verdict: .degraded, summary: "XID \(code): not classified, needs a look")
    }

    static let known: [Int: Meaning] = [
        13: .init(verdict: .healthy, summary: "graphics engine exception (application error)"),
        31: .init(verdict: .healthy, summary: "GPU memory page fault (application error)"),
        43: .init(verdict: .healthy, summary: "GPU stopped processing (application error)"),
        45: .init(verdict: .healthy, summary: "preemptive cleanup after an application error"),
        48: .init(verdict: .unhealthy, summary: "double-bit ECC error"),
        61: .init(verdict: .unhealthy, summary: "internal micro-controller breakpoint"),
        62: .init(verdict: .unhealthy, summary: "internal micro-controller halt"),
        63: .init(verdict: .degraded, summary: "ECC page retirement or row remapping recorded; reset to apply"),
        64: .init(verdict: .unhealthy, summary: "ECC page retirement or row remapping failure"),
        68: .init(verdict: .unhealthy, summary: "video processor exception"),
        69: .init(verdict: .unhealthy, summary: "graphics engine class error"),
        74: .init(verdict: .unhealthy, summary: "NVLink error"),
        79: .init(verdict: .unhealthy, summary: "GPU has fallen off the bus"),
        92: .init(verdict: .degraded, summary: "high single-bit ECC error rate"),
        94: .init(verdict: .degraded, summary: "contained ECC error (application restart needed)"),
        95: .init(verdict: .unhealthy, summary: "uncontained ECC error"),
        109: .init(verdict: .healthy, summary: "context switch timeout (application error)"),
        119: .init(verdict: .unhealthy, summary: "GSP RPC timeout"),
        120: .init(verdict: .unhealthy, summary: "GSP error"),
        121: .init(verdict: .degraded, summary: "C2C link corrected error"),
        140: .init(verdict: .unhealthy, summary: "unrecovered ECC error"),
        154: .init(verdict: .unhealthy, summary: "GPU recovery action changed"),
    ]

    /// Meaning of an NVSwitch SXid: fatal ones make the node unhealthy.
    public func meaningOfSXID(_ record: XIDRecord) -> Meaning {
        if record.message.contains("Fatal") {
            return Meaning(verdict: .unhealthy, summary: "fatal NVSwitch error")
        }
        return Meaning(verdict: .degraded, summary: "NVSwitch error")
    }
}
