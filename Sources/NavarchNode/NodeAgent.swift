import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NavarchClient
import NavarchCore
import NavarchHealth
import NavarchProto
import ServiceLifecycle
import Synchronization

/// The agent on a GPU machine: registers (retrying with backoff), heartbeats, reports health
/// the moment it changes, and carries out the control plane's commands. Ends on SIGTERM or a
/// terminate command.
public struct NodeAgent: Service {
    public static let version = "0.1.0"

    let configuration: NodeAgentConfiguration
    let backend: any GPUBackend
    let clock: any NavarchClock
    let logger: Logger

    public init(configuration: NodeAgentConfiguration, backend: any GPUBackend, clock: any NavarchClock = SystemClock(), logger: Logger) {
        self.configuration = configuration
        self.backend = backend
        self.clock = clock
        self.logger = logger
    }

    /// Shared between the agent's loops.
    final class Shared: Sendable {
        struct State {
            var health: NodeHealthState
            var heartbeatInterval: Duration
            var cordoned = false
            var unreported: [HealthObservation] = []
            var coalescer = ObservationCoalescer(window: 5)
            var needsRegistration = true
            var versions: [String: String] = [:]
            var lastDCGMHealth: CheckStatus? = nil
            /// The node's credential, once a registration gave it one.
            var credential: String?
        }
        let state: Mutex<State>
        let reportSignal: AsyncStream<Void>.Continuation
        let reportSignals: AsyncStream<Void>
        let registeredSignal: AsyncStream<Void>.Continuation
        let registeredSignals: AsyncStream<Void>

        init(_ state: State) {
            self.state = Mutex(state)
            (reportSignals, reportSignal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
            (registeredSignals, registeredSignal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        }
    }

    /// Why the agent stopped on its own.
    enum Stop: Error { case terminated, rejected(String) }

    public func run() async throws {
        let (host, port) = try Self.split(configuration.controlPlane)
        if let reason = backend.unavailableReason {
            logger.error("GPUs unavailable; reporting the node unhealthy", metadata: ["backend": "\(backend.name)", "reason": "\(reason)"])
        }
        let gpus = (try? await backend.snapshot()) ?? []
        let shared = Shared(.init(health: NodeHealthState(gpus: gpus), heartbeatInterval: configuration.heartbeatInterval))
        await runBootChecks(gpus: gpus, shared)
        let versions = await backend.versions()
        shared.state.withLock { $0.versions = versions }
        logger.info(
            "node agent starting",
            metadata: [
                "node": "\(configuration.nodeID)", "controlPlane": "\(configuration.controlPlane)", "gpus": "\(gpus.count)",
                "backend": "\(backend.name)",
            ])
        if let path = configuration.credentialFile, let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let credential = text.trimmingCharacters(in: .whitespacesAndNewlines)
            shared.state.withLock { $0.credential = credential.isEmpty ? nil : credential }
        }
        let transport = try ClientSecurity(trust: configuration.trust, clientCertificate: configuration.clientCertificate).transport(host: host, port: port)
        let enrollment = configuration.enrollmentToken
        let bearer = BearerInterceptor { shared.state.withLock { $0.credential } ?? enrollment }
        do {
            try await withGRPCClient(transport: transport, interceptors: [bearer]) { grpc in
                let client = Navarch_V1_NodeService.Client(wrapping: grpc)
                try await cancelWhenGracefulShutdown {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await registrationLoop(client, shared) }
                        group.addTask { try await heartbeatLoop(client, shared) }
                        group.addTask { try await reportLoop(client, shared) }
                        group.addTask { try await commandLoop(client, shared) }
                        group.addTask { try await metricsLoop(shared) }
                        if let watcher = configuration.spotNotices {
                            group.addTask { try await spotNoticeLoop(watcher, shared) }
                        }
                        if configuration.commandRunner.locate("dcgmi") != nil {
                            group.addTask { try await dcgmHealthLoop(shared) }
                        } else {
                            logger.info("dcgmi is not installed; DCGM health watches are off")
                        }
                        if let events = backend.xidEvents() {
                            group.addTask {
                                await driverXIDLoop(events, shared)
                                // The event stream ends only with the agent; never stop the agent for it.
                                while !Task.isCancelled { try await clock.sleep(for: .seconds(3600)) }
                            }
                        }
                        if let path = configuration.kernelLogPath {
                            group.addTask {
                                await kernelLogLoop(path: path, shared)
                                // Without a kernel log the agent keeps working on NVML events and metrics.
                                while !Task.isCancelled { try await clock.sleep(for: .seconds(3600)) }
                            }
                            group.addTask { try await burstFlushLoop(shared) }
                        }
                        try await group.next()
                        group.cancelAll()
                    }
                }
            }
        } catch Stop.terminated {
            logger.info("terminated by the control plane", metadata: ["node": "\(configuration.nodeID)"])
        } catch is CancellationError {
            // SIGTERM or SIGINT: a clean stop.
        } catch let error as RPCError where Task.isShuttingDownGracefully || Task.isCancelled {
            logger.debug("call cut short by shutdown", metadata: ["error": "\(error.message)"])
        }
        logger.info("node agent stopped", metadata: ["node": "\(configuration.nodeID)"])
    }

    static func split(_ address: String) throws -> (String, Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
              (1...65535).contains(port), colon != address.startIndex
        else { throw NavarchError.invalidArgument("control-plane address '\(address)' is not host:port") }
        return (String(address[..<colon]), port)
    }

    private var callOptions: CallOptions {
        var options = CallOptions.defaults
        options.timeout = .seconds(10)
        return options
    }

    // MARK: - Loops

    /// Registers whenever needed (at start, and when the control plane forgot the node).
    private func registrationLoop(_ client: Navarch_V1_NodeService.Client<HTTP2ClientTransport.Posix>, _ shared: Shared) async throws {
        var backoff = Backoff(maximum: configuration.maximumBackoff)
        while !Task.isCancelled {
            let needed = shared.state.withLock { $0.needsRegistration }
            if !needed {
                try await clock.sleep(for: .milliseconds(500))
                continue
            }
            let snapshot = shared.state.withLock { $0 }
            var request = Navarch_V1_RegisterRequest()
            request.nodeID = configuration.nodeID
            request.instanceID = configuration.instanceID
            request.pool = configuration.pool
            request.joinToken = configuration.joinToken
            request.hostname = ProcessInfo.processInfo.hostName
            request.agentVersion = Self.version
            request.gpus = snapshot.health.gpus.map(Navarch_V1_GPU.init)
            request.labels = configuration.labels.merging(["gpu-backend": backend.name]) { a, _ in a }
                .merging(snapshot.versions) { a, _ in a }
                .merging(HostTopology.nvlinkLabels(snapshot.health.gpus)) { a, _ in a }
            request.health = .init(snapshot.health.health)
            request.healthReason = snapshot.health.reason
            do {
                let response = try await client.register(request, options: callOptions)
                var policy: HealthPolicy? = nil
                if !response.healthPolicy.isEmpty {
                    do { policy = try HealthPolicyFile.parse(response.healthPolicy) } catch {
                        logger.warning("cannot read the control plane's health policy; keeping the built-in one", metadata: ["error": "\(error)"])
                    }
                }
                if !response.nodeCredential.isEmpty {
                    try keep(credential: response.nodeCredential)
                    shared.state.withLock { $0.credential = response.nodeCredential }
                }
                shared.state.withLock { state in
                    state.needsRegistration = false
                    if response.heartbeatIntervalMs > 0 { state.heartbeatInterval = .milliseconds(response.heartbeatIntervalMs) }
                    if let policy { state.health.setPolicy(policy) }
                }
                backoff.reset()
                shared.registeredSignal.yield()
                shared.reportSignal.yield()
                logger.info("registered", metadata: ["node": "\(configuration.nodeID)", "heartbeatMs": "\(response.heartbeatIntervalMs)"])
            } catch let error as RPCError where [.failedPrecondition, .invalidArgument, .notFound, .unauthenticated, .permissionDenied].contains(error.code) {
                logger.error("registration rejected", metadata: ["node": "\(configuration.nodeID)", "error": "\(error.message)"])
                throw Stop.rejected(error.message)
            } catch {
                let pause = backoff.next()
                logger.warning(
                    "cannot register; retrying",
                    metadata: ["error": "\(Self.describe(error))", "retryInMs": "\(pause.components.seconds * 1000 + pause.components.attoseconds / 1_000_000_000_000_000)"])
                try await clock.sleep(for: pause)
            }
        }
    }

    /// Heartbeats right after each registration, then every interval the control plane asked for.
    /// Writes the node's credential where it survives a restart (mode 0600).
    private func keep(credential: String) throws {
        guard let path = configuration.credentialFile else { return }
        try PrivateFile.write(credential + "\n", to: path)
    }

    private func heartbeatLoop(_ client: Navarch_V1_NodeService.Client<HTTP2ClientTransport.Posix>, _ shared: Shared) async throws {
        var lastBeat: Date?
        var registrations = shared.registeredSignals.makeAsyncIterator()
        _ = await registrations.next()
        while !Task.isCancelled {
            let (interval, needsRegistration) = shared.state.withLock { ($0.heartbeatInterval, $0.needsRegistration) }
            let due = lastBeat.map { $0.addingTimeInterval(interval.timeInterval) } ?? clock.now
            if needsRegistration || clock.now < due {
                try await clock.sleep(for: .milliseconds(min(1000, max(1, Int64(due.timeIntervalSince(clock.now) * 1000)))))
                continue
            }
            lastBeat = clock.now
            let gpus = shared.state.withLock { $0.health.gpus }
            var request = Navarch_V1_HeartbeatRequest()
            request.nodeID = configuration.nodeID
            request.gpus = gpus.map(Navarch_V1_GPU.init)
            do {
                _ = try await client.heartbeat(request, options: callOptions)
            } catch let error as RPCError where error.code == .notFound {
                logger.warning("control plane does not know this node; registering again")
                shared.state.withLock { $0.needsRegistration = true }
            } catch let error as RPCError where error.code == .failedPrecondition {
                throw Stop.rejected(error.message)
            } catch {
                if Task.isCancelled { return }
                logger.warning("heartbeat failed", metadata: ["error": "\(Self.describe(error))"])
            }
        }
    }

    /// Sends health reports as soon as something is observed; keeps them until they are delivered.
    private func reportLoop(_ client: Navarch_V1_NodeService.Client<HTTP2ClientTransport.Posix>, _ shared: Shared) async throws {
        var backoff = Backoff(maximum: .seconds(5))
        for await _ in shared.reportSignals {
            while !Task.isCancelled {
                let (pending, health, reason, gpus, registered) = shared.state.withLock { state in
                    (state.unreported, state.health.health, state.health.reason, state.health.gpus, !state.needsRegistration)
                }
                guard !pending.isEmpty, registered else { break }
                var request = Navarch_V1_ReportHealthRequest()
                request.nodeID = configuration.nodeID
                request.health = .init(health)
                request.reason = reason
                request.observations = pending.map(Navarch_V1_HealthObservation.init)
                request.gpus = gpus.map(Navarch_V1_GPU.init)
                do {
                    _ = try await client.reportHealth(request, options: callOptions)
                    shared.state.withLock { $0.unreported.removeFirst(min(pending.count, $0.unreported.count)) }
                    backoff.reset()
                } catch let error as RPCError where error.code == .notFound {
                    shared.state.withLock { $0.needsRegistration = true }
                    break
                } catch {
                    logger.warning("health report failed; retrying", metadata: ["error": "\(Self.describe(error))"])
                    try await clock.sleep(for: backoff.next())
                }
            }
        }
    }

    private func commandLoop(_ client: Navarch_V1_NodeService.Client<HTTP2ClientTransport.Posix>, _ shared: Shared) async throws {
        var backoff = Backoff(maximum: configuration.maximumBackoff)
        while !Task.isCancelled {
            if shared.state.withLock({ $0.needsRegistration }) {
                try await clock.sleep(for: .milliseconds(100))
                continue
            }
            var request = Navarch_V1_WatchCommandsRequest()
            request.nodeID = configuration.nodeID
            do {
                try await client.watchCommands(request) { response in
                    for try await command in response.messages {
                        try await execute(command, client: client, shared: shared)
                    }
                }
                backoff.reset()
            } catch Stop.terminated {
                throw Stop.terminated
            } catch let error as RPCError where error.code == .notFound {
                shared.state.withLock { $0.needsRegistration = true }
            } catch {
                if Task.isCancelled { return }
                logger.debug("command stream ended", metadata: ["error": "\(Self.describe(error))"])
            }
            try await clock.sleep(for: backoff.next())
        }
    }

    private func execute(
        _ command: Navarch_V1_NodeCommand, client: Navarch_V1_NodeService.Client<HTTP2ClientTransport.Posix>, shared: Shared
    ) async throws {
        let kind = command.kind.domain
        logger.info("command received", metadata: ["kind": "\(kind?.rawValue ?? "unknown")", "reason": "\(command.reason)"])
        var message = ""
        var success = true
        switch kind {
        case .cordon:
            shared.state.withLock { $0.cordoned = true }
            message = "node cordoned"
        case .uncordon:
            shared.state.withLock { $0.cordoned = false }
            message = "node uncordoned"
        case .drain:
            shared.state.withLock { $0.cordoned = true }
            message = "no workloads to drain"
        case .terminate:
            message = "agent shutting down"
        case .runDiagnostic:
            let suite = command.parameters["suite"] ?? "dcgm"
            let level = Int(command.parameters["level"] ?? "") ?? 1
            logger.notice("running diagnostic", metadata: ["suite": "\(suite)", "level": "\(level)"])
            let gpus = shared.state.withLock { $0.health.gpus }
            let outcomes = await DiagnosticRunner(runner: configuration.commandRunner).run(suite: suite, level: level, gpus: gpus)
            record(outcomes, shared)
            let failed = outcomes.filter { $0.status == .fail }
            let skipped = outcomes.filter { $0.status == .skip }
            success = failed.isEmpty
            if !failed.isEmpty {
                message = failed.prefix(3).map { "\($0.name)\($0.gpuIndex.map { " on GPU \($0)" } ?? ""): \($0.message)" }.joined(separator: "; ")
            } else if skipped.count == outcomes.count {
                message = "skipped: " + skipped.map(\.message).joined(separator: "; ")
            } else {
                message = "\(outcomes.filter { $0.status == .pass }.count) test(s) passed\(skipped.isEmpty ? "" : ", \(skipped.count) skipped")"
            }
        case .resetGPU:
            (success, message) = await resetGPU(Int(command.parameters["gpu"] ?? ""), shared)
        case .reboot:
            if backend.simulatesReboot {
                message = "rebooting (simulated)"
            } else {
                (success, message) = await reboot()
            }
        case nil:
            success = false
            message = "unknown command kind \(command.kind.rawValue)"
        }
        var ack = Navarch_V1_AcknowledgeCommandRequest()
        ack.nodeID = configuration.nodeID
        ack.commandID = command.id
        ack.success = success
        ack.message = message
        do { _ = try await client.acknowledgeCommand(ack, options: callOptions) } catch {
            logger.warning("cannot acknowledge command", metadata: ["error": "\(Self.describe(error))"])
        }
        if kind == .terminate { throw Stop.terminated }
        if kind == .reboot && success && backend.simulatesReboot { await simulateReboot(shared) }
    }

    /// Resets a GPU, forgets the verdicts the reset cleared, and validates with the boot checks.
    private func resetGPU(_ index: Int?, _ shared: Shared) async -> (Bool, String) {
        let target = index.map { "GPU \($0)" } ?? "every GPU"
        logger.notice("resetting GPU", metadata: ["gpu": "\(index.map(String.init) ?? "all")"])
        let reset = await backend.resetGPU(index, runner: configuration.commandRunner)
        guard reset.status != .fail else {
            record([reset], shared)
            return (false, reset.message)
        }
        shared.state.withLock { $0.health.repaired(gpuIndex: index) }
        let gpus = (try? await backend.snapshot()) ?? []
        let outcomes = await runBootChecks(gpus: gpus, shared)
        let failed = outcomes.filter { $0.status == .fail }
        shared.reportSignal.yield()
        guard failed.isEmpty else {
            return (false, "\(target) reset, but the boot checks failed: " + failed.prefix(3).map { "\($0.name): \($0.message)" }.joined(separator: "; "))
        }
        return (true, "\(target) reset; \(outcomes.filter { $0.status == .pass }.count) boot check(s) passed")
    }

    /// Runs the reboot command; the machine goes down soon after the acknowledgement.
    private func reboot() async -> (Bool, String) {
        guard let tool = configuration.rebootCommand.first else { return (false, "no reboot command configured") }
        logger.notice("rebooting the machine", metadata: ["command": "\(configuration.rebootCommand.joined(separator: " "))"])
        do {
            guard let output = try await configuration.commandRunner.run(tool, Array(configuration.rebootCommand.dropFirst()), timeout: .seconds(60)) else {
                return (false, "\(tool) is not installed; cannot reboot")
            }
            guard output.status == 0 else {
                return (false, "\(configuration.rebootCommand.joined(separator: " ")) exited \(output.status): \((output.stdout + output.stderr).trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            return (true, "rebooting")
        } catch {
            return (false, "cannot run the reboot command: \(error)")
        }
    }

    /// A simulated machine's reboot: the agent forgets every verdict, runs its boot checks and
    /// registers again, as a real agent does when the machine comes back.
    private func simulateReboot(_ shared: Shared) async {
        logger.notice("simulated reboot: starting over")
        let gpus = (try? await backend.snapshot()) ?? []
        shared.state.withLock { state in
            let policy = state.health.policy
            state.health = NodeHealthState(gpus: gpus, policy: policy)
            state.unreported = []
            state.coalescer = ObservationCoalescer(window: 5)
        }
        await runBootChecks(gpus: gpus, shared)
        shared.state.withLock { $0.needsRegistration = true }
    }

    private func kernelLogLoop(path: String, _ shared: Shared) async {
        let (source, description) = KernelLogSource.open(path: path, runner: configuration.commandRunner)
        guard let source else {
            logger.warning("no kernel log", metadata: ["detail": "\(description)"])
            return
        }
        logger.info("kernel log", metadata: ["source": "\(description)"])
        for await line in source {
            guard let record = KernelLogParser.parse(line) else { continue }
            let now = clock.now
            let observation = shared.state.withLock { state -> HealthObservation? in
                let before = state.health.health
                guard let observation = state.health.apply(record, at: now) else { return nil }
                // A repeat that changes the verdict (an escalation) is reported at once.
                guard let first = state.coalescer.offer(observation, at: now) ?? (state.health.health != before ? observation : nil)
                else { return nil }
                state.unreported.append(first)
                return first
            }
            if let observation {
                logger.notice(
                    "health observation",
                    metadata: [
                        "kind": "\(observation.kind)", "code": "\(observation.code)", "pci": "\(observation.pciAddress)",
                        "gpu": "\(observation.gpuIndex.map(String.init) ?? "none")", "verdict": "\(observation.verdict.rawValue)",
                    ])
                shared.reportSignal.yield()
            }
        }
    }

    /// Checks the cloud's spot-interruption notice until one comes, and reports it at once as a
    /// failed `spot_preemption` check: the control plane drains the node and replaces it before
    /// the cloud takes the machine.
    private func spotNoticeLoop(_ watcher: SpotNoticeWatcher, _ shared: Shared) async throws {
        logger.info("watching spot-interruption notices", metadata: ["cloud": "\(watcher.cloud)", "endpoint": "\(watcher.endpoint)"])
        var warned = false
        while !Task.isCancelled {
            do {
                if let notice = try await watcher.check() {
                    logger.warning("spot interruption notice", metadata: ["cloud": "\(notice.cloud)", "action": "\(notice.action)"])
                    record([CheckOutcome(name: "spot_preemption", status: .fail, message: notice.message)], shared)
                    shared.reportSignal.yield()
                    // One notice is enough; the loop must not end, since that would end the agent.
                    while !Task.isCancelled { try await clock.sleep(for: .seconds(3600)) }
                    return
                }
                warned = false
            } catch {
                if !warned { logger.warning("cannot read spot notices", metadata: ["error": "\(error)"]) }
                warned = true
            }
            if watcher.cloud != "gcp" || warned { try await clock.sleep(for: configuration.spotNoticeInterval) }
        }
    }

    /// Runs the boot checks and records their outcomes (before the first registration, and to
    /// validate a repair).
    @discardableResult
    private func runBootChecks(gpus: [GPU], _ shared: Shared) async -> [CheckOutcome] {
        let checks = BootChecks(
            expectedGPUCount: configuration.expectedGPUCount, expectedModel: configuration.expectedGPUModel,
            runner: configuration.commandRunner)
        let outcomes = await checks.run(backend: backend, gpus: gpus)
        for outcome in outcomes {
            logger.log(
                level: outcome.status == .fail ? .error : outcome.status == .skip ? .info : .debug, "boot check",
                metadata: ["check": "\(outcome.name)", "status": "\(outcome.status.rawValue)", "detail": "\(outcome.message)"])
        }
        record(outcomes.filter { $0.status != .pass }, shared)
        return outcomes
    }

    /// Turns check outcomes into observations, judged by the policy.
    private func record(_ outcomes: [CheckOutcome], _ shared: Shared) {
        guard !outcomes.isEmpty else { return }
        let now = clock.now
        shared.state.withLock { state in
            for outcome in outcomes {
                state.unreported.append(state.health.apply(
                    check: outcome.name, status: outcome.status, gpuIndex: outcome.gpuIndex, message: outcome.message, at: now))
            }
        }
        shared.reportSignal.yield()
    }

    /// Samples GPU metrics at the policy's interval and judges them.
    private func metricsLoop(_ shared: Shared) async throws {
        while !Task.isCancelled {
            let interval = shared.state.withLock { $0.health.policy.metricsInterval }
            try await clock.sleep(for: interval)
            guard let samples = try? await backend.snapshot() else { continue }
            let now = clock.now
            let observations = shared.state.withLock { state in
                let observations = state.health.refresh(samples, at: now)
                state.unreported.append(contentsOf: observations)
                return observations
            }
            if !observations.isEmpty { shared.reportSignal.yield() }
        }
    }

    /// Runs `dcgmi health -c -j` at the policy's interval where DCGM is installed; reports changes.
    private func dcgmHealthLoop(_ shared: Shared) async throws {
        let runner = configuration.commandRunner
        while !Task.isCancelled {
            let interval = shared.state.withLock { $0.health.policy.dcgmHealthInterval }
            let outcome: CheckOutcome
            do {
                guard let output = try await runner.run("dcgmi", ["health", "-c", "-j"], timeout: .seconds(30)) else {
                    throw ToolOutputError(tool: "dcgmi", problem: "no longer installed")
                }
                let report = try DCGMHealthReport.parse(output.stdout)
                let detail = report.incidents.map { "\($0.path): \($0.message)" }.joined(separator: "; ")
                outcome = CheckOutcome(name: "dcgm_health", status: report.overall, message: detail)
            } catch {
                outcome = CheckOutcome(name: "dcgm_health", status: .warn, message: "cannot read dcgmi health: \(error)")
            }
            let changed = shared.state.withLock { state in
                defer { state.lastDCGMHealth = outcome.status }
                return state.lastDCGMHealth != outcome.status
            }
            if changed { record([outcome], shared) }
            try await clock.sleep(for: interval)
        }
    }

    /// XIDs from the driver's event API (NVML), mapped to their GPU.
    private func driverXIDLoop(_ events: AsyncStream<GPUXIDEvent>, _ shared: Shared) async {
        for await event in events {
            let now = clock.now
            let observation = shared.state.withLock { state in
                let observation = state.health.applyNVMLXID(code: event.code, gpuIndex: event.gpuIndex, at: now)
                state.unreported.append(observation)
                return observation
            }
            logger.notice("XID from NVML", metadata: ["gpu": "\(event.gpuIndex)", "code": "\(event.code)", "verdict": "\(observation.verdict.rawValue)"])
            shared.reportSignal.yield()
        }
    }

    /// Releases coalesced repeats of an XID burst once their window closes.
    private func burstFlushLoop(_ shared: Shared) async throws {
        while !Task.isCancelled {
            try await clock.sleep(for: .seconds(1))
            let now = clock.now
            let released = shared.state.withLock { state -> Int in
                guard state.coalescer.hasPending else { return 0 }
                let repeats = state.coalescer.flush(at: now)
                state.unreported.append(contentsOf: repeats)
                return repeats.count
            }
            if released > 0 { shared.reportSignal.yield() }
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? RPCError { return "\(error.code): \(error.message)" }
        return "\(error)"
    }
}
