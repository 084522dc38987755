/// A kernel-log line that matters to GPU health.
public enum KernelLogRecord: Sendable, Equatable {
    /// `NVRM: Xid (PCI:0000:91:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.`
    case xid(XIDRecord)
    /// `nvidia-nvswitch1: SXid (PCI:0000:06:00.0): 20034, Fatal, Link 48 LTSSM Fault Up`
    case sxid(XIDRecord)
    /// `NVRM: GPU at PCI:0000:91:00: GPU-b6c3b2be-...`: which UUID sits at which address.
    case gpuAddress(pciAddress: String, uuid: String)
}

/// One XID or SXid report.
public struct XIDRecord: Sendable, Equatable {
    /// Normalised PCI address (see ``PCIAddress``).
    public var pciAddress: String
    public var code: Int
    /// The process id, when the driver named one.
    public var pid: Int?
    /// The process name, when the driver named one.
    public var processName: String?
    /// The rest of the line: the driver's own description.
    public var message: String

    public init(pciAddress: String, code: Int, pid: Int? = nil, processName: String? = nil, message: String) {
        self.pciAddress = pciAddress
        self.code = code
        self.pid = pid
        self.processName = processName
        self.message = message
    }
}
