/// What the pure decision logic asks the control plane to do.
public enum FleetAction: Sendable, Equatable {
    /// Buy one more machine for `pool`; `replacing` names the condemned instance it stands in for.
    case provision(pool: String, replacing: String?)
    /// Give a machine back to its provider.
    case terminate(instanceID: String, reason: String)
    /// Drain the instance's node before it is terminated (a scale-down): its workloads move first.
    case drain(instanceID: String, reason: String)
    /// The instance will not come up: mark it failed (it is then terminated).
    case fail(instanceID: String, reason: String)
    /// The pool is deleted and has no machines left.
    case forgetPool(String)
}
