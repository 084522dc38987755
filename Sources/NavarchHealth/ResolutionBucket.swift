/// NVIDIA's resolution buckets: what the catalog says to do about an XID.
public enum ResolutionBucket: String, Sendable, CaseIterable, Codable {
    case ignore = "IGNORE"
    case restartApp = "RESTART_APP"
    case resetGPU = "RESET_GPU"
    case restartVM = "RESTART_VM"
    case restartBareMetal = "RESTART_BM"
    case contactSupport = "CONTACT_SUPPORT"
    case checkMechanicals = "CHECK_MECHANICALS"
    case checkUVM = "CHECK_UVM"
    case updateSoftware = "UPDATE_SWFW"
    case workflowXID45 = "WORKFLOW_XID_45"
    case workflowXID48 = "WORKFLOW_XID_48"
    case workflowNVLink = "WORKFLOW_NVLINK_ERR"
    case workflowNVLink5 = "WORKFLOW_NVLINK5_ERR"
    case xid154 = "XID_154"
    case xid154Evaluate = "XID_154_EVAL"
    /// The catalog gives no bucket (codes added after the catalog's last revision of that column).
    case unspecified = ""
}
