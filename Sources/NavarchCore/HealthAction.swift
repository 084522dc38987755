/// What the health policy asks for when a rule fires, mildest first.
public enum HealthAction: String, Sendable, Codable, CaseIterable, Comparable {
    case none
    /// Tell a person; the node keeps working.
    case alert
    /// Drain the node and reset the GPU (`nvidia-smi -r`).
    case resetGPU = "reset_gpu"
    /// Drain the node and reboot it.
    case reboot
    /// Replace the machine.
    case replace

    var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: HealthAction, rhs: HealthAction) -> Bool { lhs.rank < rhs.rank }
}
