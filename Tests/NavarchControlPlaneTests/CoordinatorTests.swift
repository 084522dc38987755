import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import NavarchClient
import NavarchCloudFakes
import NavarchControlPlane
import NavarchCoordinators
import NavarchCore
import NavarchProcess
import NavarchNotifiers
import NavarchProto
import NavarchProviders
import NavarchStore
import NavarchTesting
import Testing

/// The workload-scheduler coordinators against local peers built to each one's documented
/// interface, and the control plane waiting for them before it drains a node.
@Suite(.serialized, .timeLimit(.minutes(2))) struct CoordinatorTests {
    let node = CoordinatedNode(id: "train-0", hostname: "gpu-a.example.internal", pool: "train", labels: [:])

    @Test func kubernetesCordonsAndEvictsRespectingDisruptionBudgets() async throws {
        let api = try await FakeKubernetesAPI.start()
        defer { Task { await api.stop() } }
        api.addNode("gpu-node-a", labels: ["navarch.io/node-id": "train-0"])
        api.addNode("gpu-node-b", labels: ["navarch.io/node-id": "train-1"])
        api.addPod(.init(name: "web-1", node: "gpu-node-a", budgetRefusals: 2))
        api.addPod(.init(namespace: "ml", name: "trainer", node: "gpu-node-a", ownerKind: "Job"))
        api.addPod(.init(namespace: "kube-system", name: "dcgm-exporter", node: "gpu-node-a", ownerKind: "DaemonSet"))
        api.addPod(.init(namespace: "kube-system", name: "static-proxy", node: "gpu-node-a", ownerKind: "Node", mirror: true))
        api.addPod(.init(name: "finished", node: "gpu-node-a", phase: "Succeeded"))
        api.addPod(.init(name: "elsewhere", node: "gpu-node-b"))
        let kubernetes = try KubernetesCoordinator(settings: KubernetesSettings(server: api.baseURL, token: api.token, nodeLabel: "navarch.io/node-id"))

        try await kubernetes.cordon(node, reason: "XID 48")
        #expect(api.isUnschedulable("gpu-node-a") == true && api.isUnschedulable("gpu-node-b") == false)
        let patch = try #require(api.requests.first { $0.method == "PATCH" })
        #expect(patch.path == "/api/v1/nodes/gpu-node-a" && patch.text == #"{"spec":{"unschedulable":true}}"#)

        try await kubernetes.drain(node, reason: "XID 48")
        #expect(api.evictions == ["ml/trainer"], "the budget refuses web-1 for now")
        #expect(try await kubernetes.isDrained(node) == false)
        #expect(api.evictions == ["ml/trainer"], "refused again: evictions are retried on every check")
        #expect(try await kubernetes.isDrained(node) == false)
        #expect(api.evictions == ["ml/trainer", "default/web-1"])
        #expect(try await kubernetes.isDrained(node) == true, "DaemonSet, mirror and finished pods stay")
        #expect(Set(api.pods.map(\.name)) == ["dcgm-exporter", "static-proxy", "finished", "elsewhere"])
        let eviction = try #require(api.requests.first { $0.path.hasSuffix("trainer/eviction") })
        #expect(eviction.path == "/api/v1/namespaces/ml/pods/trainer/eviction")
        #expect(eviction.text == #"{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"trainer","namespace":"ml"}}"#)

        try await kubernetes.uncordon(node)
        #expect(api.isUnschedulable("gpu-node-a") == false)

        let stranger = CoordinatedNode(id: "train-9")
        let missing = await #expect(throws: CoordinatorError.self) { try await kubernetes.drain(stranger, reason: "x") }
        #expect(missing?.problem == "no Kubernetes node has label navarch.io/node-id=train-9")
        let wrongToken = try KubernetesCoordinator(settings: KubernetesSettings(server: api.baseURL, token: "nope", nodeLabel: "navarch.io/node-id"))
        let refused = await #expect(throws: CoordinatorError.self) { try await wrongToken.cordon(node, reason: "x") }
        #expect(refused?.description.contains("HTTP 401: Unauthorized") == true, "\(String(describing: refused))")
    }

    @Test func kubernetesFindsTheNodeByHostNameWithoutALabel() async throws {
        let api = try await FakeKubernetesAPI.start()
        defer { Task { await api.stop() } }
        api.addNode("gpu-a.example.internal")
        let kubernetes = try KubernetesCoordinator(settings: KubernetesSettings(server: api.baseURL, token: api.token))
        try await kubernetes.cordon(node, reason: "maintenance")
        #expect(api.isUnschedulable("gpu-a.example.internal") == true)
    }

    @Test func kubernetesSettingsFromAKubeconfigAndFromTheCluster() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kube-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let kubeconfig = directory.appendingPathComponent("config").path
        try """
            apiVersion: v1
            kind: Config
            current-context: prod
            clusters:
              - name: gpu
                cluster: {server: "https://10.0.0.1:6443"}
            contexts:
              - name: prod
                context: {cluster: gpu, user: navarch}
            users:
              - name: navarch
                user: {token: "abc.def"}
            """.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let settings = try KubernetesSettings.kubeconfig(path: kubeconfig)
        #expect(settings.server == "https://10.0.0.1:6443" && settings.token == "abc.def" && settings.caPEM == nil)

        try "token-from-mount\n".write(toFile: directory.appendingPathComponent("token").path, atomically: true, encoding: .utf8)
        let inCluster = try KubernetesSettings.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], root: directory.path)
        #expect(inCluster.server == "https://10.96.0.1:443" && inCluster.token == "token-from-mount")
        let outside = #expect(throws: CoordinatorError.self) { try KubernetesSettings.inCluster(environment: [:], root: directory.path) }
        #expect(outside?.problem.contains("KUBERNETES_SERVICE_HOST is not set") == true)
    }

    /// A fake `scontrol` on the search path that records its calls and answers like the real
    /// one: a drained node with a job still running shows `MIXED+DRAIN`, then `IDLE+DRAIN`.
    static func fakeScontrol() throws -> (directory: String, log: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slurm-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = """
            #!/bin/sh
            dir=$(dirname "$0")
            echo "$*" >> "$dir/calls.log"
            case "$1" in
            update)
              case "$*" in
                *state=drain*) echo "MIXED+DRAIN" > "$dir/state"; echo 0 > "$dir/shows" ;;
                *state=resume*) echo "IDLE" > "$dir/state" ;;
              esac ;;
            show)
              [ "$2" = node ] || { echo "scontrol: error: invalid entity" >&2; exit 1; }
              [ "$3" = gpu-a ] || { echo "Node $3 not found" >&2; exit 1; }
              shows=$(($(cat "$dir/shows" 2>/dev/null || echo 0) + 1)); echo $shows > "$dir/shows"
              state=$(cat "$dir/state" 2>/dev/null || echo IDLE)
              if [ "$state" = "MIXED+DRAIN" ] && [ $shows -ge 3 ]; then state="IDLE+DRAIN"; echo "$state" > "$dir/state"; fi
              echo "NodeName=gpu-a Arch=x86_64 CoresPerSocket=48"
              echo "   CPUAlloc=0 CPUTot=192 CPULoad=0.10"
              echo "   Gres=gpu:h100:8"
              echo "   State=$state ThreadsPerCore=2 TmpDisk=0 Weight=1 Owner=N/A"
              echo "   Reason=navarch [root@2026-11-30T21:00:00]" ;;
            esac
            """
        let path = directory + "/scontrol"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return (directory, directory + "/calls.log")
    }

    @Test func slurmDrainsWaitsForDrainedAndResumes() async throws {
        let (directory, log) = try Self.fakeScontrol()
        let slurm = SlurmCoordinator(runner: CommandRunner(searchPath: [directory]))
        try await slurm.drain(node, reason: "XID 48 on GPU 3")
        #expect(try await slurm.isDrained(node) == false, "MIXED+DRAIN: a job still runs")
        #expect(try await slurm.isDrained(node) == false)
        #expect(try await slurm.isDrained(node) == true, "IDLE+DRAIN")
        try await slurm.uncordon(node)
        let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(calls == [
            "update nodename=gpu-a state=drain reason=navarch: XID 48 on GPU 3", "show node gpu-a", "show node gpu-a", "show node gpu-a",
            "update nodename=gpu-a state=resume",
        ])
        #expect(SlurmCoordinator.isDrained(state: "DOWN+DRAIN") && !SlurmCoordinator.isDrained(state: "ALLOCATED+DRAIN") && !SlurmCoordinator.isDrained(state: "IDLE"))
        let labelled = CoordinatedNode(id: "train-0", hostname: "gpu-a", labels: ["slurm.node": "gpu-z"])
        let unknown = await #expect(throws: CoordinatorError.self) { try await slurm.isDrained(labelled) }
        #expect(unknown?.problem.contains("Node gpu-z not found") == true, "\(String(describing: unknown))")
        let absent = SlurmCoordinator(runner: CommandRunner(searchPath: ["/nonexistent"]))
        let notInstalled = await #expect(throws: CoordinatorError.self) { try await absent.drain(node, reason: "x") }
        #expect(notInstalled?.problem == "scontrol is not installed")
    }

    /// The control plane asks the coordinator first and drains on the node only once the
    /// scheduler has moved the work; then the GPU reset runs.
    @Test func theLadderWaitsForTheWorkloadSchedulerBeforeItDrains() async throws {
        let order = Recorder<String>()
        let checks = Recorder<Int>()
        let receiver = try await FakeHTTPServer.start { request in
            if request.method == "GET" {
                checks.append(1)
                order.append("scheduler checked")
                return .json(200, ["drained": checks.values.count >= 3])
            }
            let event = (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["event"] as? String ?? "?"
            order.append("scheduler \(event)")
            return .text(204, "")
        }
        defer { Task { await receiver.stop() } }
        var configuration = RemediationLadderEndToEndTests.quietConfiguration()
        var settings = CoordinatorSettings(kind: .webhook)
        settings.pollInterval = .milliseconds(100)
        configuration.coordinator = settings
        let provider = FakeProvider()
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: provider)
            .with(coordinator: WebhookCoordinator(url: receiver.baseURL + "/navarch", secret: "k"))
        try await withFleet(plane) { client, agent in
            let made = try await RemediationLadderEndToEndTests.pool("train", nodes: 1, client: client, agent: agent, provider: provider)
            let nodeID = made[0].nodeID
            let received = Recorder<Navarch_V1_NodeCommand>()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await RemediationLadderEndToEndTests.answerCommands(agent, node: nodeID, received: received) { command in
                        order.append("agent \(command.kind.domain?.rawValue ?? "?")")
                        return (true, "done")
                    }
                }
                _ = try await agent.reportHealth(RemediationLadderEndToEndTests.report(
                    nodeID, RemediationLadderEndToEndTests.observation(xid: 48, gpu: 3, action: "reset_gpu", rule: "xid-reset-gpu")))
                try await eventually("validated and uncordoned everywhere") {
                    try await client.node(nodeID).state == .active && order.values.contains("scheduler uncordon")
                }
                group.cancelAll()
            }
            let steps = order.values
            let lastCheck = try #require(steps.lastIndex(of: "scheduler checked"))
            let agentDrain = try #require(steps.firstIndex(of: "agent drain"))
            #expect(steps.firstIndex(of: "scheduler drain")! < lastCheck && lastCheck < agentDrain, "the scheduler drained before the node: \(steps)")
            #expect(agentDrain < steps.firstIndex(of: "agent reset_gpu")!, "\(steps)")
            #expect(steps.filter { $0 == "scheduler checked" }.count == 3)
            let kinds = try await client.events(nodeID: nodeID).map(\.kind)
            #expect(kinds.contains("coordinator.draining") && kinds.contains("coordinator.drained"), "\(kinds)")
            let posted = receiver.requests.filter { $0.method == "POST" }
            #expect(posted.allSatisfy { request in
                guard let stamp = request.header("X-Navarch-Timestamp").flatMap(Int.init) else { return false }
                return WebhookSignature.verify(body: request.body, timestamp: stamp, secret: "k", signature: request.header("X-Navarch-Signature") ?? "")
            })
        }
    }

    @Test func aDrainThatTimesOutIsRecordedAndTheLadderProceeds() async throws {
        let receiver = try await FakeHTTPServer.start { request in
            request.method == "GET" ? .json(200, ["drained": false]) : .text(204, "")
        }
        defer { Task { await receiver.stop() } }
        var configuration = RemediationLadderEndToEndTests.quietConfiguration()
        var settings = CoordinatorSettings(kind: .webhook)
        settings.pollInterval = .milliseconds(100)
        settings.drainTimeout = .milliseconds(600)
        configuration.coordinator = settings
        let provider = FakeProvider()
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: provider)
            .with(coordinator: WebhookCoordinator(url: receiver.baseURL, secret: "k"))
        try await withFleet(plane) { client, agent in
            let made = try await RemediationLadderEndToEndTests.pool("train", nodes: 1, client: client, agent: agent, provider: provider)
            let nodeID = made[0].nodeID
            let received = Recorder<Navarch_V1_NodeCommand>()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await RemediationLadderEndToEndTests.answerCommands(agent, node: nodeID, received: received) }
                _ = try await agent.reportHealth(RemediationLadderEndToEndTests.report(
                    nodeID, RemediationLadderEndToEndTests.observation(xid: 48, gpu: 0, action: "reset_gpu", rule: "xid-reset-gpu")))
                try await eventually("the repair goes ahead after the timeout") { received.values.contains { $0.kind == .resetGpu } }
                group.cancelAll()
            }
            let timeout = try #require(try await client.events(nodeID: nodeID).first { $0.kind == "coordinator.drain_timeout" })
            #expect(timeout.severity == .critical)
            #expect(timeout.message.contains("proceeding"), "\(timeout.message)")
        }
    }

    @Test func coordinatorSectionIsReadStrictly() throws {
        let configuration = try ConfigurationFile.parse("""
            coordinator:
              type: kubernetes
              node_label: navarch.io/node-id
              drain_timeout: 5m
              on_drain_timeout: hold
            """)
        let settings = try #require(configuration.coordinator)
        #expect(settings.kind == .kubernetes && settings.nodeLabel == "navarch.io/node-id" && settings.drainTimeout == .seconds(300) && settings.onTimeout == .hold)
        let wrong = #expect(throws: ConfigurationError.self) { try ConfigurationFile.parse("coordinator:\n  type: slurm\n  url: http://x\n") }
        #expect("\(wrong!)" == "navarch.yaml:3: coordinator.url: not a setting of the slurm coordinator")
        let noSecret = #expect(throws: ConfigurationError.self) { try ConfigurationFile.parse("coordinator:\n  type: webhook\n  url: http://x\n") }
        #expect("\(noSecret!)".contains("coordinator.secret: required"))
    }
}
