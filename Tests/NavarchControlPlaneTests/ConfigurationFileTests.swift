import Foundation
import NavarchControlPlane
import NavarchCore
import NavarchHealth
import Testing

@Suite struct ConfigurationFileTests {
    @Test func everyKeyIsRead() throws {
        let yaml = """
            grpc:
              host: 0.0.0.0
              port: 6000
              advertised_address: cp.internal:6000
            http:
              host: 0.0.0.0
              port: 0
            data_dir: /var/lib/navarch
            log_level: debug
            heartbeat:
              interval: 500ms
              missed_before_unhealthy: 4
            provisioning:
              default_provider: local
              registration_timeout: 2m
              replacement_timeout: 1h
              retry_backoff: 10
            providers:
              local:
                node_binary: /usr/local/bin/navarch-node
            """
        let configuration = try ConfigurationFile.parse(yaml)
        #expect(configuration.grpcHost == "0.0.0.0" && configuration.grpcPort == 6000)
        #expect(configuration.advertisedAddress == "cp.internal:6000")
        #expect(configuration.httpHost == "0.0.0.0" && configuration.httpPort == 0)
        #expect(configuration.dataDirectory == "/var/lib/navarch")
        #expect(configuration.logLevel == "debug")
        #expect(configuration.heartbeatInterval == .milliseconds(500))
        #expect(configuration.missedHeartbeatsBeforeUnhealthy == 4)
        #expect(configuration.registrationTimeout == .seconds(120))
        #expect(configuration.replacementTimeout == .seconds(3600))
        #expect(configuration.provisionRetryBackoff == .seconds(10))
        #expect(configuration.localNodeBinary == "/usr/local/bin/navarch-node")
    }

    @Test func emptyFileKeepsDefaults() throws {
        #expect(try ConfigurationFile.parse("") == ControlPlaneConfiguration())
        #expect(try ConfigurationFile.parse("# only a comment\n") == ControlPlaneConfiguration())
    }

    @Test func shippedExampleParses() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/navarch.yaml").path
        let configuration = try ConfigurationFile.load(path: example)
        #expect(configuration.grpcPort == 50051)
    }

    @Test(arguments: [
        ("grpc:\n  prot: 50051\n", "navarch.yaml:2: grpc.prot: unknown key; known keys here: advertised_address, host, max_concurrent_streams, port"),
        ("heartbeat:\n  interval: 5s\nhertbeat: 1\n", "navarch.yaml:3: hertbeat: unknown key; known keys here: autoscaling, bootstrap, circuit_breaker, coordinator, data_dir, diagnostics, grpc, health, heartbeat, http, limits, log_level, notifications, pools, providers, provisioning, rate_limits, remediation, tls"),
        ("providers:\n  aws:\n    regoin: us-east-1\n", "navarch.yaml:3: providers.aws.regoin: unknown key; known keys here: cloud, endpoint, image_id, instance_profile, instance_role, key_name, metadata_endpoint, placement_group, profile, region, security_group_ids, spot, ssh_key, ssh_user, subnet_ids"),
        ("providers:\n  aws:\n    spot: maybe\n", "navarch.yaml:3: providers.aws.spot: expected true or false, got 'maybe'"),
        ("providers:\n  aws:\n    subnet_ids: {a: b}\n", "navarch.yaml:3: providers.aws.subnet_ids: expected a list of names"),
        ("providers:\n  oracle:\n    region: x\n", "navarch.yaml:2: providers.oracle: unknown key; known keys here: aws, azure, gcp, lambda, local"),
        ("providers:\n  aws-west:\n    cloud: oracle\n", "navarch.yaml:3: providers.aws-west.cloud: expected one of aws, azure, gcp, lambda"),
        ("providers:\n  gcp:\n    cloud: aws\n", "navarch.yaml:3: providers.gcp.cloud: the gcp section is the gcp cloud; name another section for aws"),
        ("providers:\n  aws-west:\n    cloud: aws\n    zones: [a]\n", "navarch.yaml:4: providers.aws-west.zones: unknown key; known keys here: cloud, endpoint, image_id, instance_profile, instance_role, key_name, metadata_endpoint, placement_group, profile, region, security_group_ids, spot, ssh_key, ssh_user, subnet_ids"),
        ("providers:\n  AWS_West:\n    cloud: aws\n", "navarch.yaml:2: providers.AWS_West: provider name 'AWS_West' must be 1 to 48 lower-case letters, digits and '-', not starting or ending with '-'"),
        ("bootstrap:\n  agent_sha256: abc\n", "navarch.yaml:2: bootstrap.agent_sha256: expected 64 hex digits (the binary's SHA-256)"),
        ("bootstrap:\n  agent_url: ftp://x\n", "navarch.yaml:2: bootstrap.agent_url: expected an http:// or https:// URL, got 'ftp://x'"),
        ("bootstrap:\n  join_token_ttl: 10s\n", "navarch.yaml:2: bootstrap.join_token_ttl: must be at least 1m: machines need time to boot"),
        ("diagnostics:\n  schedules:\n    - pool: train\n      every: 1s\n", "navarch.yaml:4: diagnostics.schedules[0].every: must be at least 1m"),
        ("diagnostics:\n  schedules:\n    - pool: train\n      every: 168h\n      suite: memtest\n", "navarch.yaml:5: diagnostics.schedules[0].suite: expected dcgm, nvbandwidth, nccl, got 'memtest'"),
        ("diagnostics:\n  schedules:\n    - every: 168h\n", "navarch.yaml:3: diagnostics.schedules[0].pool: required: the pool to diagnose"),
        ("diagnostics:\n  schedules:\n    - pool: a\n      every: 1h\n      often: yes\n", "navarch.yaml:5: diagnostics.schedules[0].often: unknown key; known keys here: every, level, max_concurrent, pool, suite"),
        ("health:\n  ignore_xids: [x]\n", "navarch.yaml:2: health.ignore_xids: expected a whole number, got 'x'"),
        ("health:\n  rules:\n    - name: xid-hardware\n      action: explode\n", "navarch.yaml:4: health.rules[0].action: expected one of none, alert, reset_gpu, reboot, replace, got 'explode'"),
        ("grpc:\n  port: fifty\n", "navarch.yaml:2: grpc.port: expected a port number from 0 to 65535, got 'fifty'"),
        ("grpc:\n  port: 70000\n", "navarch.yaml:2: grpc.port: expected a port number from 0 to 65535, got '70000'"),
        ("heartbeat:\n  interval: soon\n", "navarch.yaml:2: heartbeat.interval: expected a duration such as 500ms, 5s, 2m or 1h, got 'soon'"),
        ("heartbeat:\n  missed_before_unhealthy: 0\n", "navarch.yaml:2: heartbeat.missed_before_unhealthy: expected a whole number of at least 1, got '0'"),
        ("grpc: 50051\n", "navarch.yaml:1: grpc: expected a mapping of keys"),
        ("grpc:\n  port: [1, 2]\n", "navarch.yaml:2: grpc.port: expected a single value, not a list"),
        ("log_level: loud\n", "navarch.yaml:1: log_level: 'loud' is not a log level (trace, debug, info, notice, warning, error, critical)"),
        ("- a\n- b\n", "navarch.yaml:1: the top level must be a mapping of keys"),
    ])
    func badInputNamesTheKeyAndLine(_ yaml: String, _ message: String) {
        #expect {
            _ = try ConfigurationFile.parse(yaml)
        } throws: { error in
            (error as? ConfigurationError)?.description == message
        }
    }

    @Test func cloudProviderAndBootstrapSettingsAreRead() throws {
        let configuration = try ConfigurationFile.parse("""
            providers:
              aws:
                region: us-west-2
                image_id: ami-0abc
                subnet_ids: [subnet-a, subnet-b]
                security_group_ids: sg-1
                spot: true
                ssh_key: ~/.ssh/gpu.pem
            bootstrap:
              agent_url: https://mirror.example.com/navarch-node
              agent_sha256: \(String(repeating: "AB", count: 32))
              join_token_ttl: 30m
              agent_arguments: [--backend, nvml, --tools-dir, /opt/tools]
            """)
        let aws = try #require(configuration.providerSettings["aws"])
        #expect(aws["region"]?.value == .string("us-west-2"))
        #expect(aws["subnet_ids"]?.value == .list(["subnet-a", "subnet-b"]))
        #expect(aws["security_group_ids"]?.value == .list(["sg-1"]))
        #expect(aws["spot"]?.value == .string("true"))
        #expect(aws["ssh_key"]?.value == .string((ProcessInfo.processInfo.environment["HOME"] ?? "") + "/.ssh/gpu.pem"))
        #expect(aws["region"]?.line == 3)
        #expect(configuration.agentURL == "https://mirror.example.com/navarch-node")
        #expect(configuration.agentSHA256 == String(repeating: "ab", count: 32))
        #expect(configuration.joinTokenLifetime == .seconds(1800))
        #expect(configuration.agentArguments == ["--backend", "nvml", "--tools-dir", "/opt/tools"])
    }

    @Test func aSecondSectionOfACloudIsAnotherRegion() throws {
        let configuration = try ConfigurationFile.parse("""
            providers:
              aws:
                region: us-east-1
                image_id: resolve:ssm:/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id
              aws-west:
                cloud: aws
                region: us-west-2
                subnet_ids: [subnet-west-a]
            """)
        #expect(configuration.providerSettings["aws"]?["region"]?.value == .string("us-east-1"))
        #expect(configuration.providerSettings["aws-west"]?["cloud"]?.value == .string("aws"))
        #expect(configuration.providerSettings["aws-west"]?["region"]?.value == .string("us-west-2"))
        #expect(configuration.providerSettings["aws-west"]?["subnet_ids"]?.value == .list(["subnet-west-a"]))
    }

    @Test func healthAndDiagnosticSchedulesAreRead() throws {
        let configuration = try ConfigurationFile.parse("""
            health:
              ignore_xids: [43]
              rules:
                - name: xid-restart-bare-metal
                  action: replace
            diagnostics:
              schedules:
                - pool: train
                  suite: dcgm
                  level: 2
                  every: 168h
                  max_concurrent: 2
                - pool: train
                  suite: nccl
                  every: 720h
            """)
        #expect(configuration.healthPolicy.ignoredXIDs == [43])
        #expect(configuration.healthPolicy.rule(named: "xid-restart-bare-metal")?.action == .replace)
        #expect(configuration.diagnosticSchedules == [
            DiagnosticSchedule(pool: "train", suite: "dcgm", level: 2, every: .seconds(168 * 3600), maxConcurrent: 2),
            DiagnosticSchedule(pool: "train", suite: "nccl", level: 1, every: .seconds(720 * 3600), maxConcurrent: 1),
        ])
    }

    @Test func invalidYAMLSaysWhere() {
        #expect {
            _ = try ConfigurationFile.parse("grpc:\n  port: [1\n")
        } throws: { error in
            let description = "\(error)"
            return description.hasPrefix("navarch.yaml:") && description.contains("not valid YAML")
        }
    }

    @Test func duplicateKeyIsAnError() {
        #expect {
            _ = try ConfigurationFile.parse("grpc:\n  port: 1\n  port: 2\n")
        } throws: { error in
            error is ConfigurationError && "\(error)".contains("duplicated key(s): 'port'")
        }
    }

    @Test func missingFileIsAClearError() {
        #expect {
            _ = try ConfigurationFile.load(path: "/nonexistent/navarch.yaml")
        } throws: { error in
            "\(error)".hasPrefix("/nonexistent/navarch.yaml: cannot read the file")
        }
    }
}
