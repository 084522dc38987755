import Foundation
import Logging
import NavarchCore
import Synchronization

/// The `local` provider: every instance is a real node-agent process on this machine with
/// simulated GPUs. Each instance gets a folder under `stateDirectory` with its record, its
/// simulated kernel log (`kmsg`: append an XID line to inject a failure) and its log.
public final class LocalProvider: Provider {
    public let name = "local"
    public let stateDirectory: String
    public let nodeBinary: NodeBinary
    /// How long a terminated agent gets to exit after SIGTERM before SIGKILL.
    public let terminationGrace: Duration
    private let logger: Logger
    private let lock = Mutex(())

    public init(stateDirectory: String, nodeBinary: NodeBinary, terminationGrace: Duration = .seconds(10), logger: Logger = Logger(label: "navarch.provider.local")) throws {
        self.stateDirectory = stateDirectory
        self.nodeBinary = nodeBinary
        self.terminationGrace = terminationGrace
        self.logger = logger
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
    }

    /// Folder of one instance.
    public func directory(of instanceID: String) -> String { stateDirectory + "/" + instanceID }
    /// The simulated kernel log the instance's agent tails.
    public func kmsgPath(of instanceID: String) -> String { directory(of: instanceID) + "/kmsg" }
    private func recordPath(of instanceID: String) -> String { directory(of: instanceID) + "/instance.json" }

    public func provision(_ request: ProvisionRequest) async throws -> ProvisionedInstance {
        guard request.instanceID.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }), !request.instanceID.isEmpty else {
            throw LocalProviderError("instance id '\(request.instanceID)' is not a safe folder name")
        }
        guard !request.controlPlaneAddress.isEmpty else { throw LocalProviderError("no control-plane address to give the agent") }
        return try lock.withLock { _ in
            if let record = readRecord(request.instanceID), LocalProcess.isAlive(record.pid, marker: record.instanceID) {
                return provisioned(record, alive: true)
            }
            let folder = directory(of: request.instanceID)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let kmsg = kmsgPath(of: request.instanceID)
            if !FileManager.default.fileExists(atPath: kmsg) {
                FileManager.default.createFile(atPath: kmsg, contents: nil)
            }
            let log = folder + "/node.log"
            let type = request.instanceType
            // The agent joins as a cloud machine does: its single-use join token, the CA to
            // trust the control plane by, and a file for the credential it is then given.
            let tokenFile = folder + "/join-token", credentialFile = folder + "/credential", caFile = folder + "/ca.pem"
            try PrivateFile.write(request.joinToken + "\n", to: tokenFile)
            var security = ["--join-token-file", tokenFile, "--credential-file", credentialFile]
            if request.caCertificatePEM.isEmpty {
                security.append("--insecure")
            } else {
                try PrivateFile.write(request.caCertificatePEM, to: caFile)
                security += ["--ca-file", caFile]
            }
            let arguments = [nodeBinary.path] + nodeBinary.leadingArguments + [
                "--control-plane", request.controlPlaneAddress,
                "--node-id", request.nodeID,
                "--instance-id", request.instanceID,
                "--pool", request.pool,
                "--gpus", "\(type.gpusPerNode)",
                "--gpu-model", type.gpuModel,
                "--gpu-memory-mib", "\(type.gpuMemoryMiB)",
                "--gpu-idle-power", "\(Int(type.idlePowerWatts))",
                "--simulated-kmsg", kmsg,
                "--simulated-metrics", folder + "/metrics.json",
                "--expect-gpus", "\(type.gpusPerNode)",
            ] + security
            let pid = try LocalProcess.spawn(arguments, logPath: log)
            let record = LocalInstanceRecord(
                instanceID: request.instanceID, nodeID: request.nodeID, pool: request.pool, pid: pid,
                startedAt: Date(), kmsgPath: kmsg, logPath: log)
            try writeRecord(record)
            logger.info("started node agent", metadata: ["instance": "\(request.instanceID)", "node": "\(request.nodeID)", "pid": "\(pid)"])
            return provisioned(record, alive: true)
        }
    }

    public func terminate(_ instance: ProvisionedInstance) async throws {
        guard let record = lock.withLock({ _ in readRecord(instance.instanceID) }) else { return }
        // The control plane sent the agent a terminate command: give it a moment to exit on its own.
        let selfExitDeadline = ContinuousClock.now + .seconds(1)
        while ContinuousClock.now < selfExitDeadline && LocalProcess.isAlive(record.pid, marker: record.instanceID) {
            try await Task.sleep(for: .milliseconds(20))
        }
        if LocalProcess.isAlive(record.pid, marker: record.instanceID) {
            LocalProcess.signal(record.pid, SIGTERM)
            let deadline = ContinuousClock.now + terminationGrace
            while ContinuousClock.now < deadline && LocalProcess.isAlive(record.pid, marker: record.instanceID) {
                try await Task.sleep(for: .milliseconds(50))
            }
            if LocalProcess.isAlive(record.pid, marker: record.instanceID) {
                logger.warning("agent ignored SIGTERM; killing it", metadata: ["instance": "\(record.instanceID)", "pid": "\(record.pid)"])
                LocalProcess.signal(record.pid, SIGKILL)
                while LocalProcess.isAlive(record.pid, marker: record.instanceID) {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
        }
        lock.withLock { _ in
            try? FileManager.default.removeItem(atPath: recordPath(of: instance.instanceID))
        }
        logger.info("terminated node agent", metadata: ["instance": "\(record.instanceID)", "pid": "\(record.pid)"])
    }

    public func list() async throws -> [ProvisionedInstance] {
        lock.withLock { _ in
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? []
            return entries.sorted().compactMap { entry in
                readRecord(entry).map { provisioned($0, alive: LocalProcess.isAlive($0.pid, marker: $0.instanceID)) }
            }
        }
    }

    private func provisioned(_ record: LocalInstanceRecord, alive: Bool) -> ProvisionedInstance {
        ProvisionedInstance(
            instanceID: record.instanceID, providerInstanceID: "pid-\(record.pid)", nodeID: record.nodeID,
            pool: record.pool, isAlive: alive)
    }

    private func readRecord(_ instanceID: String) -> LocalInstanceRecord? {
        guard let data = FileManager.default.contents(atPath: recordPath(of: instanceID)) else { return nil }
        return try? JSONDecoder().decode(LocalInstanceRecord.self, from: data)
    }

    private func writeRecord(_ record: LocalInstanceRecord) throws {
        let data = try JSONEncoder().encode(record)
        try data.write(to: URL(fileURLWithPath: recordPath(of: record.instanceID)), options: .atomic)
    }
}
