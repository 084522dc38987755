import ArgumentParser
import Foundation
import Logging
import NavarchCore
import NavarchNVML
import ServiceLifecycle
import UnixSignals

/// `navarch-node` (also `navarch node`): runs the agent on a GPU machine.
public struct NodeAgentCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run the node agent: register with the control plane, heartbeat, report GPU health, obey commands.")

    @Option(name: .customLong("control-plane"), help: "Control plane gRPC address, host:port.")
    var controlPlane = ProcessInfo.processInfo.environment["NAVARCH_CONTROL_PLANE"] ?? "127.0.0.1:50051"

    @Option(name: .customLong("node-id"), help: "Node id to register as (default: the host name).")
    var nodeID: String?

    @Option(name: .customLong("instance-id"), help: "Instance id given by the provider.")
    var instanceID = ""

    @Option(help: "Pool the node belongs to.")
    var pool = ""

    @Option(name: .customLong("join-token-file"), help: "File holding the single-use join token a cloud machine registers with.")
    var joinTokenFile: String?

    @Option(name: .customLong("credential-file"), help: "Where the agent keeps the credential its first registration gives it (mode 0600).")
    var credentialFile: String?

    @Option(name: .customLong("ca-file"), help: "CA certificate (PEM) to trust the control plane by (default: the system's roots).")
    var caFile: String?

    @Flag(help: "Talk plaintext to a control plane started with --insecure.")
    var insecure = false

    @Option(name: .customLong("tls-cert"), help: "Client certificate (PEM) for a control plane that asks for one (tls.client_ca_file).")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "The client certificate's private key (PEM).")
    var tlsKey: String?

    @Option(name: .customLong("spot-notices"), help: "The cloud this machine runs in (aws, gcp or azure): watch its spot-interruption notices and read its topology labels.")
    var spotNotices: String?

    @Option(name: .customLong("metadata-endpoint"), help: "The cloud's metadata service (default: the cloud's own address).")
    var metadataEndpoint: String?

    @Option(help: "GPU backend: simulated, or nvml for real NVIDIA GPUs.")
    var backend = "simulated"

    @Option(name: .customLong("nvml-library"), help: "NVML library the nvml backend loads.")
    var nvmlLibrary = "libnvidia-ml.so.1"

    @Option(name: .customLong("cuda-library"), help: "CUDA driver library for the boot check's GPU memory round trip.")
    var cudaLibrary = "libcuda.so.1"

    @Flag(name: .customLong("cuda-memory-check"), help: .hidden)
    var cudaMemoryCheck = false

    @Option(name: .customLong("kernel-log"), help: "Kernel log the agent follows: /dev/kmsg (default with --backend nvml), or none.")
    var kernelLog: String?

    @Option(name: .customLong("expect-gpus"), help: "GPUs the instance type promises; checked at boot.")
    var expectGPUs: Int?

    @Option(name: .customLong("expect-gpu-model"), help: "Text the GPU model must contain (H100, A100-SXM4-80GB); checked at boot.")
    var expectGPUModel: String?

    @Option(name: .customLong("reboot-command"), help: "Command that reboots the machine for a repair (default: systemctl reboot).")
    var rebootCommand: String?

    @Option(name: .customLong("tools-dir"), help: "Directory searched before PATH for nvidia-smi, dcgmi, nvbandwidth, all_reduce_perf, gpu_burn.")
    var toolsDir: [String] = []

    @Option(help: "Number of simulated GPUs.")
    var gpus = 8

    @Option(name: .customLong("gpu-model"), help: "Model of the simulated GPUs.")
    var gpuModel = "NVIDIA H100 80GB HBM3"

    @Option(name: .customLong("gpu-memory-mib"), help: "Memory of each simulated GPU in MiB.")
    var gpuMemoryMiB = 81_559

    @Option(name: .customLong("gpu-idle-power"), help: "Idle power of each simulated GPU in watts.")
    var gpuIdlePower = 70

    @Option(name: .customLong("simulated-kmsg"), help: "File the agent tails as its kernel log; append an XID line to inject a failure.")
    var simulatedKmsg: String?

    @Option(name: .customLong("simulated-metrics"), help: "JSON file of metric values for simulated GPUs ({\"3\": {\"ecc_dbe_volatile\": 2}}); edit it to inject a fault.")
    var simulatedMetrics: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    public init() {}

    public func validate() throws {
        guard backend == "simulated" || backend == "nvml" else {
            throw ValidationError("unknown GPU backend '\(backend)'; available: simulated, nvml")
        }
        if let expectGPUs, expectGPUs < 1 { throw ValidationError("--expect-gpus must be at least 1, got \(expectGPUs)") }
        guard (1...64).contains(gpus) else { throw ValidationError("--gpus must be between 1 and 64, got \(gpus)") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown log level '\(logLevel)'") }
        do { _ = try NodeAgent.split(controlPlane) } catch { throw ValidationError("\(error)") }
        if let nodeID, nodeID.isEmpty { throw ValidationError("--node-id must not be empty") }
        if let spotNotices, !SpotNoticeWatcher.clouds.contains(spotNotices) {
            throw ValidationError("--spot-notices: expected aws, gcp or azure, got '\(spotNotices)'")
        }
    }

    public func run() async throws {
        if cudaMemoryCheck {
            // The agent's child for the boot check's GPU memory round trip: one JSON report on stdout.
            var report = CUDAMemoryCheckReport()
            do { report.results = try await CUDAMemoryCheck.run(path: cudaLibrary) } catch { report.failure = error }
            print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
            return
        }
        var logger = Logger(label: "navarch.node")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let id = nodeID ?? ProcessInfo.processInfo.hostName
        if let simulatedKmsg, !FileManager.default.fileExists(atPath: simulatedKmsg) {
            FileManager.default.createFile(atPath: simulatedKmsg, contents: nil)
        }
        let kernelLogPath: String? = switch kernelLog {
        case "none": nil
        case .some(let path): path
        case nil: simulatedKmsg ?? (backend == "nvml" ? "/dev/kmsg" : nil)
        }
        var configuration = NodeAgentConfiguration(
            controlPlane: controlPlane, nodeID: id, instanceID: instanceID, pool: pool, kernelLogPath: kernelLogPath)
        if let spotNotices { configuration.spotNotices = try SpotNoticeWatcher(cloud: spotNotices, endpoint: metadataEndpoint) }
        if let joinTokenFile {
            guard let text = try? String(contentsOfFile: joinTokenFile, encoding: .utf8) else {
                throw ValidationError("cannot read the join token file \(joinTokenFile)")
            }
            configuration.joinToken = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        configuration.trust = insecure ? .plaintext : caFile.map { .caFile($0) } ?? .system
        configuration.credentialFile = credentialFile
        if let tlsCert, let tlsKey { configuration.clientCertificate = (tlsCert, tlsKey) }
        if let token = ProcessInfo.processInfo.environment["NAVARCH_TOKEN"], !token.isEmpty {
            // An admin enrolling this machine by hand: used until the node has its own credential.
            configuration.enrollmentToken = token
        }
        configuration.labels.merge(HostTopology.labels()) { _, new in new }
        if let cloud = spotNotices {
            // Where the cloud placed this machine; a metadata service that does not answer
            // leaves the labels out rather than holding the agent back.
            do {
                configuration.labels.merge(try await CloudTopology(cloud: cloud, endpoint: metadataEndpoint).labels()) { _, new in new }
            } catch {
                Logger(label: "navarch.node").warning("cannot read the cloud's topology", metadata: ["cloud": "\(cloud)", "error": "\(error)"])
            }
        }
        if let simulatedKmsg { configuration.labels["simulated-kmsg"] = simulatedKmsg }
        if let simulatedMetrics { configuration.labels["simulated-metrics"] = simulatedMetrics }
        configuration.expectedGPUCount = expectGPUs
        configuration.expectedGPUModel = expectGPUModel
        configuration.toolDirectories = toolsDir
        if let rebootCommand {
            let words = rebootCommand.split(separator: " ").map(String.init)
            guard !words.isEmpty else { throw ValidationError("--reboot-command must not be empty") }
            configuration.rebootCommand = words
        }
        let backend: any GPUBackend
        if self.backend == "nvml" {
            let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            let leading = CommandLine.arguments.count > 1 && CommandLine.arguments[1] == Self.configuration.commandName ? [Self.configuration.commandName ?? "node"] : []
            backend = await NVMLBackend.open(
                path: nvmlLibrary, cudaPath: cudaLibrary, memoryCheck: .childProcess(executable: executable, arguments: leading))
        } else {
            backend = SimulatedGPUBackend(
                count: gpus, model: gpuModel, memoryMiB: gpuMemoryMiB, idlePowerWatts: Double(gpuIdlePower), seed: id,
                metricsPath: simulatedMetrics)
        }
        let agent = NodeAgent(configuration: configuration, backend: backend, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: agent, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let NodeAgent.Stop.rejected(reason) {
            throw ValidationError("the control plane rejected this node: \(reason)")
        }
    }
}
