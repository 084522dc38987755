import Foundation
import NavarchClient
import NavarchCloudFakes
import NavarchCore
import NavarchProviders
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `navarch up` on the AWS provider against moto_server, end to end: the control plane
/// launches EC2 instances with cloud-init user data; this test plays cloud-init on each
/// launched instance (reads its user data back from EC2, runs the installer under a scratch
/// root, starts the installed unit's command), and the agents join with their tokens.
@Suite(.serialized, .enabled(if: MotoServer.unavailableReason == nil, Comment(rawValue: "moto_server is not available: \(MotoServer.unavailableReason ?? "")")))
struct CloudBootstrapTests {
    /// Machines started by playing cloud-init, by EC2 instance id.
    final class CloudInit: @unchecked Sendable {
        let ec2: EC2Client
        let scratch: String
        private let lock = NSLock()
        private var booted: [String: ChildProcess] = [:]
        private var metadata: [String: FakeEC2Metadata] = [:]
        private var failures: [String] = []

        init(ec2: EC2Client, scratch: String) {
            self.ec2 = ec2
            self.scratch = scratch
        }

        var agents: [ChildProcess] { lock.withLock { Array(booted.values) } }
        var errors: [String] { lock.withLock { failures } }

        /// Boots every running Navarch instance not booted yet.
        func bootNew() async throws {
            let answer = try await ec2.call("DescribeInstances", [("Filter.1.Name", "tag:navarch:managed-by"), ("Filter.1.Value.1", "navarch"), ("Filter.2.Name", "instance-state-name"), ("Filter.2.Value.1", "pending"), ("Filter.2.Value.2", "running")])
            let ids = answer.items("reservationSet").flatMap { $0.items("instancesSet") }.compactMap { $0.string("instanceId") }
            for id in ids where lock.withLock({ booted[id] == nil }) {
                do {
                    let child = try await boot(id)
                    lock.withLock { booted[id] = child }
                } catch {
                    lock.withLock { failures.append("\(id): \(error)"); booted[id] = ChildProcess(pid: -1) }
                }
            }
        }

        private func boot(_ id: String) async throws -> ChildProcess {
            let attribute = try await ec2.call("DescribeInstanceAttribute", [("InstanceId", id), ("Attribute", "userData")])
            let encoded = attribute.path("userData", "value")?.text ?? ""
            let userData = String(decoding: Data(base64Encoded: encoded) ?? Data(), as: UTF8.self)
            guard userData.hasPrefix("#cloud-config\n") else { throw NavarchError(.internal, "no cloud-config user data") }
            // write_files[0].content, as cloud-init would write it: the block after `content: |`.
            let lines = userData.components(separatedBy: "\n")
            guard let start = lines.firstIndex(where: { $0.hasSuffix("content: |") }) else { throw NavarchError(.internal, "no script") }
            let script = lines[(start + 1)...].prefix { $0.isEmpty || $0.hasPrefix("      ") }.map { $0.isEmpty ? "" : String($0.dropFirst(6)) }
            let root = scratch + "/" + id
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            try script.joined(separator: "\n").write(toFile: root + "/bootstrap.sh", atomically: true, encoding: .utf8)
            let installer = try await ChildProcess.spawn("/bin/sh", [root + "/bootstrap.sh"], stdout: root + "/cloud-init.log", stderr: root + "/cloud-init.log", environment: ["NAVARCH_ROOT": root])
            guard try await installer.wait(timeout: .seconds(120)) == 0 else {
                throw NavarchError(.internal, "installer failed: \((try? String(contentsOfFile: root + "/cloud-init.log", encoding: .utf8)) ?? "")")
            }
            let unit = try String(contentsOfFile: root + "/etc/systemd/system/navarch-node.service", encoding: .utf8)
            guard let exec = unit.components(separatedBy: "\n").first(where: { $0.hasPrefix("ExecStart=") }) else {
                throw NavarchError(.internal, "the unit has no ExecStart")
            }
            let words = Self.systemdWords(String(exec.dropFirst("ExecStart=".count)))
                .map { $0.hasPrefix("/usr/local/bin/") || $0.hasPrefix("/etc/navarch/") || $0.hasPrefix("/var/lib/navarch/") ? root + $0 : $0 }
            // Each machine has its own instance metadata service, for spot notices.
            let imds = try await FakeEC2Metadata.start()
            lock.withLock { metadata[id] = imds }
            return try await ChildProcess.spawn(
                words[0], Array(words.dropFirst()) + ["--kernel-log", "none", "--metadata-endpoint", imds.baseURL],
                stdout: root + "/agent.log", stderr: root + "/agent.log")
        }

        /// Gives a machine its spot-interruption notice.
        func interrupt(_ id: String) {
            lock.withLock { metadata[id] }?.interrupt()
        }

        /// Splits a systemd command line: words separated by spaces, double quotes with `\"`,
        /// `$$` and `%%` inside.
        static func systemdWords(_ line: String) -> [String] {
            var words: [String] = []
            var current = ""
            var quoted = false
            var characters = Array(line)[...]
            while let character = characters.popFirst() {
                if character == "\\", quoted, let next = characters.popFirst() { current.append(next); continue }
                if character == "\"" { quoted.toggle(); continue }
                if (character == "$" || character == "%"), characters.first == character { characters.removeFirst() }
                if character == " " && !quoted {
                    if !current.isEmpty { words.append(current) }
                    current = ""
                    continue
                }
                current.append(character)
            }
            if !current.isEmpty { words.append(current) }
            return words
        }

        /// Agents that exited, with the end of their log.
        var exitedAgents: [String] {
            lock.withLock { booted }.compactMap { id, agent in
                guard agent.pid > 0, let status = agent.exitStatus() else { return nil }
                return "\(id) exited with \(status): \(((try? String(contentsOfFile: scratch + "/" + id + "/agent.log", encoding: .utf8)) ?? "").suffix(300))"
            }
        }

        func stopAll() async {
            for imds in lock.withLock({ Array(metadata.values) }) { await imds.stop() }
            for agent in agents where agent.pid > 0 && agent.exitStatus() == nil {
                kill(agent.pid, SIGKILL)
                _ = try? await agent.wait(timeout: .seconds(10))
            }
            try? FileManager.default.removeItem(atPath: scratch)
        }
    }

    @Test(.timeLimit(.minutes(3))) func aSecondAWSSectionLaunchesInItsOwnRegion() async throws {
        let moto = try await MotoServer.start(logPath: NSTemporaryDirectory() + "navarch-moto-regions-\(getpid()).log")
        defer { moto.stop() }
        let key = AWSCredentialProvider(source: .key(AWSCredentials(accessKeyID: moto.accessKeyID, secretAccessKey: moto.secretAccessKey)))
        let east = EC2Client(region: "us-east-1", endpoint: moto.endpoint, credentials: key, calls: ProviderCallLog())
        let west = EC2Client(region: "us-west-2", endpoint: moto.endpoint, credentials: key, calls: ProviderCallLog())
        let image = try #require(try await west.call("DescribeImages", [("Owner.1", "amazon")]).items("imagesSet").compactMap { $0.string("imageId") }.first)
        let serve = try ServeProcess()
        let config = serve.dataDirectory + "-navarch.yaml"
        try """
            providers:
              aws:
                region: us-east-1
                endpoint: \(moto.endpoint)
                image_id: \(image)
              aws-west:
                cloud: aws
                region: us-west-2
                endpoint: \(moto.endpoint)
                image_id: \(image)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        try await serve.start(
            extraArguments: ["--config", config],
            environment: ["AWS_ACCESS_KEY_ID": moto.accessKeyID, "AWS_SECRET_ACCESS_KEY": moto.secretAccessKey])
        defer { serve.cleanUp() }
        let up = try await navarch(["up", "--server", serve.server, "--gpus", "8", "--type", "h100", "--name", "west", "--provider", "aws-west,aws", "--no-wait"])
        #expect(up.status == 0, "\(up.stderr)")
        #expect(up.stdout.contains("on aws-west,aws"))
        func pool(_ client: EC2Client) async throws -> [String] {
            let answer = try await client.call("DescribeInstances", [
                ("Filter.1.Name", "tag:navarch:pool"), ("Filter.1.Value.1", "west"),
                ("Filter.2.Name", "instance-state-name"), ("Filter.2.Value.1", "pending"), ("Filter.2.Value.2", "running"),
            ])
            return answer.items("reservationSet").flatMap { $0.items("instancesSet") }.compactMap { $0.string("instanceId") }
        }
        var launched: [String] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while launched.isEmpty && ContinuousClock.now < deadline {
            launched = try await pool(west)
            if launched.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(launched.count == 1, "\(serve.logTail())")
        #expect(try await pool(east).isEmpty, "the first provider of the pool, in its own region")
        let instances = try await NavarchClient.with(server: serve.server, security: serve.security) { try await $0.instances(pool: "west") }
        #expect(instances.map(\.provider) == ["aws-west"])
        let down = try await navarch(["down", "--server", serve.server, "west", "--timeout", "60"])
        #expect(down.status == 0, "\(down.stderr)")
        #expect(try await pool(west).isEmpty)
    }

    @Test(.timeLimit(.minutes(5))) func upOnAWSBootsTheAgentsFromUserDataAndDownTerminatesThem() async throws {
        let nodes = Int(ProcessInfo.processInfo.environment["NAVARCH_CLOUD_NODES"] ?? "") ?? 2
        let moto = try await MotoServer.start(logPath: NSTemporaryDirectory() + "navarch-moto-e2e-\(getpid()).log")
        defer { moto.stop() }
        let key = AWSCredentials(accessKeyID: moto.accessKeyID, secretAccessKey: moto.secretAccessKey)
        let ec2 = EC2Client(region: "us-east-1", endpoint: moto.endpoint, credentials: AWSCredentialProvider(source: .key(key)), calls: ProviderCallLog())
        let image = try #require(try await ec2.call("DescribeImages", [("Owner.1", "amazon")]).items("imagesSet").compactMap { $0.string("imageId") }.first)

        let serve = try ServeProcess()
        let config = serve.dataDirectory + "-navarch.yaml"
        try """
            provisioning:
              registration_timeout: 120s
            providers:
              aws:
                region: us-east-1
                endpoint: \(moto.endpoint)
                image_id: \(image)
                key_name: gpu-key
            bootstrap:
              agent_arguments: [--backend, simulated, --gpus, "8", --gpu-model, NVIDIA H100 80GB HBM3]
            """.write(toFile: config, atomically: true, encoding: .utf8)
        try await serve.start(
            extraArguments: ["--config", config],
            environment: ["AWS_ACCESS_KEY_ID": moto.accessKeyID, "AWS_SECRET_ACCESS_KEY": moto.secretAccessKey])
        let cloudInit = CloudInit(ec2: ec2, scratch: serve.dataDirectory + "-machines")
        defer { serve.cleanUp() }

        let started = ContinuousClock.now
        let up = try await navarch(["up", "--server", serve.server, "--gpus", "\(8 * nodes)", "--type", "h100", "--name", "cloud", "--provider", "aws", "--no-wait"])
        #expect(up.status == 0, "\(up.stderr)")
        #expect(up.stdout.contains("pool cloud: \(nodes) node(s) of 8 h100 GPU(s) on aws"))
        let healthy = try await NavarchClient.with(server: serve.server, security: serve.security) { client in
            while ContinuousClock.now - started < .seconds(90) {
                try await cloudInit.bootNew()
                if !cloudInit.errors.isEmpty || !cloudInit.exitedAgents.isEmpty { break }
                let ready = try await client.nodes(pool: "cloud").filter { $0.state == .active && $0.health == .healthy }
                if ready.count == nodes { return ready }
                try await Task.sleep(for: .milliseconds(100))
            }
            return []
        }
        let elapsed = ContinuousClock.now - started
        print("provision-and-register \(nodes) node(s) on aws (moto_server, local agents, no cloud boot time): \(String(format: "%.2f", elapsed.timeInterval)) s")
        #expect(cloudInit.errors.isEmpty, "\(cloudInit.errors)")
        #expect(cloudInit.exitedAgents.isEmpty, "\(cloudInit.exitedAgents)")
        try #require(healthy.count == nodes, "\(serve.logTail())")
        #expect(Set(healthy.map(\.provider)) == ["aws"])
        #expect(healthy.allSatisfy { $0.gpus.count == 8 && !($0.labels["address"] ?? "").isEmpty })
        // Each agent read its placement from the instance metadata service.
        #expect(healthy.allSatisfy { $0.labels["topology.cloud"] == "aws" && $0.labels["topology.zone"] == "us-east-1a" })
        let shown = try await navarch(["nodes", "get", "--server", serve.server, healthy[0].id])
        #expect(shown.stdout.contains("topology:\n"), "\(shown.stdout)")
        #expect(shown.stdout.contains("  machine-type: p5.48xlarge\n"), "\(shown.stdout)")

        // The EC2 instances carry Navarch's tags and the configured key pair.
        let described = try await ec2.call("DescribeInstances", [("Filter.1.Name", "tag:navarch:pool"), ("Filter.1.Value.1", "cloud")])
        let items = described.items("reservationSet").flatMap { $0.items("instancesSet") }
        #expect(items.count == nodes)
        #expect(items.allSatisfy { $0.string("keyName") == "gpu-key" && $0.string("instanceType") == "p5.48xlarge" })

        // `navarch ssh` runs the system ssh with the node's address, the user and the key.
        let standIn = serve.dataDirectory + "-bin"
        try FileManager.default.createDirectory(atPath: standIn, withIntermediateDirectories: true)
        try "#!/bin/sh\necho \"ssh $*\"\n".write(toFile: standIn + "/ssh", atomically: true, encoding: .utf8)
        chmod(standIn + "/ssh", 0o755)
        let keyFile = standIn + "/gpu.pem"
        try "key".write(toFile: keyFile, atomically: true, encoding: .utf8)
        let node = healthy.sorted { $0.id < $1.id }[0]
        let ssh = try await navarch(
            ["ssh", "--server", serve.server, node.id, "-i", keyFile, "--", "nvidia-smi", "-L"],
            environment: ["PATH": standIn + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "")])
        #expect(ssh.status == 0, "\(ssh.stderr)")
        #expect(ssh.stdout == "ssh -i \(keyFile) -o StrictHostKeyChecking=accept-new ubuntu@\(node.labels["address"]!) -- nvidia-smi -L\n")

        // A spot interruption notice: the node is reported at once, drained and replaced before
        // the machine goes, and the preemption is recorded.
        let victimEC2 = try #require(items.first { item in
            item.items("tagSet").contains { $0.string("key") == "navarch:node-id" && $0.string("value") == node.id }
        }?.string("instanceId"))
        cloudInit.interrupt(victimEC2)
        let replaced = try await NavarchClient.with(server: serve.server, security: serve.security) { client in
            let deadline = ContinuousClock.now + .seconds(90)
            while ContinuousClock.now < deadline {
                try await cloudInit.bootNew()
                let current = try await client.nodes(pool: "cloud")
                let healthyOthers = current.filter { $0.id != node.id && $0.state == .active && $0.health == .healthy }
                if healthyOthers.count == nodes, current.first(where: { $0.id == node.id })?.state == .terminated { return true }
                try await Task.sleep(for: .milliseconds(200))
            }
            return false
        }
        #expect(replaced, "\(serve.logTail())")
        let victimEvents = try await NavarchClient.with(server: serve.server, security: serve.security) { try await $0.events(nodeID: node.id) }
        #expect(victimEvents.contains { $0.kind == "node.observation" && $0.message.contains("spot_preemption") && $0.message.contains("aws spot interruption: terminate") })
        let poolEvents = try await NavarchClient.with(server: serve.server, security: serve.security) { try await $0.events(pool: "cloud") }
        #expect(poolEvents.contains { $0.kind == "instance.requested" && $0.message.contains("replacing \(node.id)") })

        let down = try await navarch(["down", "--server", serve.server, "cloud", "--timeout", "120"])
        #expect(down.status == 0, "\(down.stderr)")
        let after = try await ec2.call("DescribeInstances", [("Filter.1.Name", "tag:navarch:pool"), ("Filter.1.Value.1", "cloud")])
        let states = after.items("reservationSet").flatMap { $0.items("instancesSet") }.compactMap { $0.path("instanceState", "name")?.text }
        #expect(states.count == nodes + 1 && states.allSatisfy { $0 == "terminated" || $0 == "shutting-down" }, "\(states)")
        await cloudInit.stopAll()
        #expect(try await serve.stop() == 0)
    }
}
