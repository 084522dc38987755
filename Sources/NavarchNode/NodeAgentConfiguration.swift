import NavarchClient
import NavarchCore
import NavarchProcess

/// How a node agent is set up.
public struct NodeAgentConfiguration: Sendable {
    /// `host:port` of the control plane's gRPC API.
    public var controlPlane: String
    public var nodeID: String
    public var instanceID: String
    public var pool: String
    /// Watches the cloud's spot-interruption notices: `aws`, `gcp` or `azure`; nil for none.
    public var spotNotices: SpotNoticeWatcher?
    /// How often the notices are checked (GCP long-polls instead). Default 5 s.
    public var spotNoticeInterval: Duration = .seconds(5)
    /// The single-use token a cloud machine joins with (from its user data); empty elsewhere.
    public var joinToken = ""
    /// How the control plane is trusted: its CA file, the system's roots, or plaintext.
    public var trust: ClientSecurity.Trust = .system
    /// A client certificate and key (PEM files) for a control plane that asks for one.
    public var clientCertificate: (certificate: String, key: String)?
    /// Where the node's credential is kept across restarts (mode 0600); nil keeps it in memory.
    public var credentialFile: String?
    /// An admin token (`NAVARCH_TOKEN`) a machine enrolled by hand registers with, until it
    /// holds its own credential.
    public var enrollmentToken: String?
    /// Kernel log to follow: the simulated one, or `/dev/kmsg`.
    public var kernelLogPath: String?
    /// Heartbeat interval used until the control plane tells another.
    public var heartbeatInterval: Duration = .seconds(5)
    /// Longest pause between registration attempts.
    public var maximumBackoff: Duration = .seconds(10)
    public var labels: [String: String] = [:]
    /// GPUs the instance type promises, checked at boot; nil when unknown.
    public var expectedGPUCount: Int?
    /// Text the GPU model must contain, checked at boot; nil when unknown.
    public var expectedGPUModel: String?
    /// Directories searched for GPU tools before `PATH`.
    public var toolDirectories: [String] = []
    /// What the agent runs to reboot the machine for a repair. Default `systemctl reboot`.
    public var rebootCommand = ["systemctl", "reboot"]

    /// Runs GPU tools from `toolDirectories`, then `PATH`.
    public var commandRunner: CommandRunner {
        var runner = CommandRunner()
        runner.searchPath = toolDirectories + runner.searchPath
        return runner
    }

    public init(controlPlane: String, nodeID: String, instanceID: String = "", pool: String = "", kernelLogPath: String? = nil) {
        self.controlPlane = controlPlane
        self.nodeID = nodeID
        self.instanceID = instanceID
        self.pool = pool
        self.kernelLogPath = kernelLogPath
    }
}
