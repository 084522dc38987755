import NavarchCore

/// `coordinator:` in navarch.yaml: which workload scheduler to tell, and how long a drain may take.
public struct CoordinatorSettings: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case kubernetes, slurm, webhook }
    /// What happens when the workload scheduler has not drained a node in time.
    public enum OnTimeout: String, Sendable, CaseIterable {
        /// Drain on Navarch's side anyway (the repair or termination goes ahead).
        case proceed
        /// Leave the node draining; the repair times out and the ladder climbs, or an operator acts.
        case hold
    }

    public var kind: Kind
    public var drainTimeout: Duration = .seconds(600)
    public var pollInterval: Duration = .seconds(5)
    public var onTimeout: OnTimeout = .proceed
    /// Kubernetes: a kubeconfig path; empty for the in-cluster service account.
    public var kubeconfig = ""
    /// Kubernetes: the label carrying the Navarch node id; empty to match by host name.
    public var nodeLabel = ""
    /// Slurm: the `scontrol` to run.
    public var scontrol = "scontrol"
    /// Webhook: where to POST, and the HMAC key.
    public var url = ""
    public var secret = ""

    public init(kind: Kind) {
        self.kind = kind
    }
}
