/// Something the agent saw that the health policy judges.
public enum HealthSignal: Sendable, Equatable {
    /// An XID on a GPU (`gpuIndex` nil where its PCI address maps to no known GPU).
    case xid(code: Int, gpuIndex: Int?, message: String, count: Int)
    /// An NVSwitch SXid.
    case sxid(code: Int, fatal: Bool, message: String, count: Int)
    /// The outcome of a named check, for a GPU or the whole node.
    case check(name: String, status: CheckStatus, gpuIndex: Int?, message: String)
}
