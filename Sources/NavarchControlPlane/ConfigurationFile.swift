import Foundation
import NavarchCore
import NavarchHealth
import Yams

/// Reads `navarch.yaml` strictly: an unknown key, a wrong type or a bad value is an error
/// naming the key and its line. Keys not present keep their defaults.
public enum ConfigurationFile {
    /// Every key the file may hold, dotted, with the kind of value it takes.
    static let keys: [String: ValueKind] = [
        "grpc.host": .string, "grpc.port": .port, "grpc.advertised_address": .string,
        "grpc.max_concurrent_streams": .positiveInteger,
        "http.host": .string, "http.port": .port,
        "tls.cert_file": .path, "tls.key_file": .path, "tls.ca_file": .path, "tls.client_ca_file": .path, "tls.insecure": .boolean,
        "limits.calls_per_minute": .positiveInteger, "limits.streams_per_principal": .positiveInteger,
        "limits.max_message_bytes": .positiveInteger, "limits.idle_timeout": .duration,
        "data_dir": .path, "log_level": .logLevel,
        "heartbeat.interval": .duration, "heartbeat.missed_before_unhealthy": .positiveInteger,
        "provisioning.default_provider": .string, "provisioning.registration_timeout": .duration,
        "provisioning.replacement_timeout": .duration, "provisioning.retry_backoff": .duration,
        "provisioning.orphan_sweep_interval": .duration, "provisioning.strategy": .string,
        "provisioning.capacity_retry_after": .duration, "provisioning.max_backoff": .duration,
        "provisioning.breaker_after_unregistered": .positiveInteger,
        "providers.local.node_binary": .path,
        "bootstrap.agent_binary": .path, "bootstrap.agent_url": .string, "bootstrap.agent_sha256": .sha256,
        "bootstrap.join_token_ttl": .duration, "bootstrap.agent_arguments": .stringList,
        "health": .healthPolicy,
        "diagnostics.schedules": .diagnosticSchedules,
        "remediation.gpu_resets": .positiveInteger, "remediation.reset_window": .duration, "remediation.reboots": .positiveInteger,
        "remediation.reboot_window": .duration, "remediation.validate_with_diagnostic": .boolean,
        "remediation.max_concurrent": .positiveInteger, "remediation.silence_grace": .duration, "remediation.repair_timeout": .duration,
        "circuit_breaker.unhealthy_share": .share, "circuit_breaker.window": .duration, "circuit_breaker.minimum_nodes": .positiveInteger,
        "rate_limits.provisions_per_provider": .positiveInteger, "rate_limits.terminations_per_provider": .positiveInteger,
        "rate_limits.provisions_per_pool": .positiveInteger, "rate_limits.terminations_per_pool": .positiveInteger,
        "autoscaling.interval": .duration,
        "pools": .pools,
        "notifications": .notifications,
        "coordinator": .coordinator,
    ]

    /// The keys of each cloud provider's section (`providers.aws.region`), with their kinds.
    public static let providerKeys: [String: [String: ValueKind]] = [
        "aws": [
            "region": .string, "endpoint": .string, "metadata_endpoint": .string, "image_id": .string,
            "subnet_ids": .stringList, "security_group_ids": .stringList, "key_name": .string, "ssh_user": .string,
            "ssh_key": .path, "instance_profile": .string, "placement_group": .string, "spot": .boolean,
            "profile": .string, "instance_role": .boolean,
        ],
        "gcp": [
            "project": .string, "zones": .stringList, "endpoint": .string, "token_endpoint": .string, "metadata_endpoint": .string,
            "image": .string, "boot_disk_gb": .positiveInteger, "network": .string, "subnetwork": .string, "external_ip": .boolean,
            "service_account": .string, "ssh_user": .string, "ssh_key": .path, "placement_policy": .string, "spot": .boolean,
            "key_file": .path, "use_metadata_server": .boolean,
        ],
        "azure": [
            "subscription_id": .string, "tenant_id": .string, "client_id": .string, "client_secret_file": .path,
            "resource_group": .string, "location": .string, "zones": .stringList, "endpoint": .string, "authority": .string, "scope": .string,
            "image": .string, "subnet_id": .string, "ssh_user": .string, "ssh_public_key": .path, "ssh_key": .path,
            "proximity_placement_group": .string, "spot": .boolean, "spot_max_price": .string, "os_disk_gb": .positiveInteger,
        ],
        "lambda": [
            "endpoint": .string, "regions": .stringList, "ssh_key_name": .string, "ssh_user": .string, "ssh_key": .path,
            "api_key_file": .path,
        ],
    ]

    /// The clouds a named provider section may be another instance of (`providers.aws-west:
    /// {cloud: aws, region: us-west-2, ...}`), for failover between regions of one cloud.
    public static let clouds = ["aws", "azure", "gcp", "lambda"]

    public enum ValueKind: Sendable {
        case string, port, path, logLevel, duration, positiveInteger, healthPolicy, diagnosticSchedules, stringList, boolean, sha256
        case share, pools, notifications, coordinator
    }

    /// Loads the file at `path` over `base`.
    public static func load(path: String, over base: ControlPlaneConfiguration = .init()) throws -> ControlPlaneConfiguration {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigurationError(file: path, key: "", line: nil, problem: "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(text, file: path, over: base)
    }

    /// Parses YAML text over `base`. `file` names the source in errors.
    public static func parse(_ text: String, file: String = "navarch.yaml", over base: ControlPlaneConfiguration = .init()) throws -> ControlPlaneConfiguration {
        let root: Yams.Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw ConfigurationError(file: file, key: "", line: yamlErrorLine(error), problem: "not valid YAML: \(error)")
        }
        var configuration = base
        guard let root else { return configuration }
        guard case .mapping(let mapping) = root else {
            throw ConfigurationError(file: file, key: "", line: line(root), problem: "the top level must be a mapping of keys")
        }
        let aliases = try providerAliases(mapping, file: file)
        var values: [(key: String, node: Yams.Node)] = []
        try flatten(mapping, prefix: "", file: file, aliases: aliases, into: &values)
        // Pools last: a pool's `health` is read over the file's, wherever that stands.
        for (key, node) in values.filter({ $0.key != "pools" }) + values.filter({ $0.key == "pools" }) {
            try apply(key: key, node: node, file: file, aliases: aliases, to: &configuration)
        }
        return configuration
    }

    /// The value of `key` in a mapping.
    private static func child(_ mapping: Yams.Node.Mapping, _ key: String) -> Yams.Node? {
        mapping.first { if case .scalar(let scalar) = $0.key { return scalar.string == key } else { return false } }?.value
    }

    /// Provider sections with another name and a `cloud` key: name -> cloud.
    private static func providerAliases(_ root: Yams.Node.Mapping, file: String) throws -> [String: String] {
        guard case .mapping(let providers)? = child(root, "providers") else { return [:] }
        var aliases: [String: String] = [:]
        for (keyNode, value) in providers {
            guard case .scalar(let name) = keyNode, case .mapping(let section) = value, let cloudNode = child(section, "cloud") else { continue }
            guard case .scalar(let cloud) = cloudNode, clouds.contains(cloud.string) else {
                throw ConfigurationError(
                    file: file, key: "providers.\(name.string).cloud", line: line(cloudNode),
                    problem: "expected one of \(clouds.joined(separator: ", "))")
            }
            if providerKeys[name.string] != nil && name.string != cloud.string {
                throw ConfigurationError(
                    file: file, key: "providers.\(name.string).cloud", line: line(cloudNode),
                    problem: "the \(name.string) section is the \(name.string) cloud; name another section for \(cloud.string)")
            }
            do { try Pool.validateProviderName(name.string) } catch {
                throw ConfigurationError(file: file, key: "providers.\(name.string)", line: line(keyNode), problem: error.message)
            }
            aliases[name.string] = cloud.string
        }
        return aliases
    }

    private static func flatten(
        _ mapping: Yams.Node.Mapping, prefix: String, file: String, aliases: [String: String], into values: inout [(key: String, node: Yams.Node)]
    ) throws {
        var seen = Set<String>()
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw ConfigurationError(file: file, key: prefix, line: line(keyNode), problem: "keys must be plain names")
            }
            let key = prefix.isEmpty ? scalar.string : prefix + "." + scalar.string
            guard seen.insert(scalar.string).inserted else {
                throw ConfigurationError(file: file, key: key, line: line(keyNode), problem: "key given twice")
            }
            if keys[key] != nil || providerKind(key, aliases: aliases) != nil {
                values.append((key, value))
            } else if keys.keys.contains(where: { $0.hasPrefix(key + ".") }) || key == "providers"
                || (key.hasPrefix("providers.") && section(String(key.dropFirst("providers.".count)), aliases: aliases) != nil) {
                guard case .mapping(let inner) = value else {
                    throw ConfigurationError(file: file, key: key, line: line(value), problem: "expected a mapping of keys")
                }
                try flatten(inner, prefix: key, file: file, aliases: aliases, into: &values)
            } else {
                let sections = Dictionary(uniqueKeysWithValues: (providerKeys.keys.map { ($0, $0) } + aliases.map { ($0.key, $0.value) }))
                let known = Array(keys.keys) + sections.flatMap { name, cloud in section(cloud, aliases: [:])!.keys.map { "providers.\(name).\($0)" } }
                let siblings = known.filter { prefix.isEmpty ? true : $0.hasPrefix(prefix + ".") }
                    .map { String($0.dropFirst(prefix.isEmpty ? 0 : prefix.count + 1).split(separator: ".").first ?? "") }
                throw ConfigurationError(
                    file: file, key: key, line: line(keyNode),
                    problem: "unknown key; known keys here: \(Set(siblings).sorted().joined(separator: ", "))")
            }
        }
    }

    private static func apply(
        key: String, node: Yams.Node, file: String, aliases: [String: String], to configuration: inout ControlPlaneConfiguration
    ) throws {
        func fail(_ problem: String) -> ConfigurationError {
            ConfigurationError(file: file, key: key, line: line(node), problem: problem)
        }
        if key == "health" {
            do {
                configuration.healthPolicy = try HealthPolicyFile.parse(node: node, over: configuration.healthPolicy, prefix: "health")
            } catch let error as HealthPolicyError {
                throw ConfigurationError(file: file, key: error.key, line: error.line, problem: error.problem)
            }
            return
        }
        if key == "diagnostics.schedules" {
            configuration.diagnosticSchedules = try diagnosticSchedules(node, file: file)
            return
        }
        if key == "pools" {
            configuration.pools = try PoolsSection.parse(node, file: file, policy: configuration.healthPolicy)
            return
        }
        if key == "coordinator" {
            configuration.coordinator = try CoordinatorSection.parse(node, file: file)
            return
        }
        if key == "notifications" {
            configuration.notifications = try NotificationsSection.parse(node, file: file)
            return
        }
        if let (provider, name, kind) = providerKind(key, aliases: aliases) {
            configuration.providerSettings[provider, default: [:]][name] = try providerSetting(node, kind: kind, fail)
            return
        }
        if key == "bootstrap.agent_arguments" {
            guard case .list(let arguments) = try providerSetting(node, kind: .stringList, fail).value else { return }
            configuration.agentArguments = arguments
            return
        }
        guard case .scalar(let scalar) = node else { throw fail("expected a single value, not a \(kindName(node))") }
        let text = scalar.string
        let kind = keys[key]!
        switch key {
        case "grpc.host": configuration.grpcHost = try nonEmpty(text, fail)
        case "grpc.port": configuration.grpcPort = try port(text, fail)
        case "grpc.max_concurrent_streams": configuration.grpcMaxConcurrentStreams = try count(text, fail, minimum: 1)
        case "grpc.advertised_address": configuration.advertisedAddress = text.isEmpty ? nil : text
        case "http.host": configuration.httpHost = try nonEmpty(text, fail)
        case "http.port": configuration.httpPort = try port(text, fail)
        case "tls.cert_file": configuration.tlsCertificateFile = text.isEmpty ? nil : expandTilde(text)
        case "tls.key_file": configuration.tlsKeyFile = text.isEmpty ? nil : expandTilde(text)
        case "tls.ca_file": configuration.tlsCAFile = text.isEmpty ? nil : expandTilde(text)
        case "tls.client_ca_file": configuration.tlsClientCAFile = text.isEmpty ? nil : expandTilde(text)
        case "tls.insecure": configuration.insecure = try boolean(text, fail)
        case "limits.calls_per_minute": configuration.callsPerMinute = try count(text, fail, minimum: 1)
        case "limits.streams_per_principal": configuration.streamsPerPrincipal = try count(text, fail, minimum: 1)
        case "limits.max_message_bytes": configuration.maxMessageBytes = try count(text, fail, minimum: 1024)
        case "limits.idle_timeout": configuration.idleTimeout = try duration(text, fail)
        case "data_dir": configuration.dataDirectory = expandTilde(try nonEmpty(text, fail))
        case "log_level":
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(text) else { throw fail("'\(text)' is not a log level (\(levels.joined(separator: ", ")))") }
            configuration.logLevel = text
        case "heartbeat.interval": configuration.heartbeatInterval = try duration(text, fail)
        case "heartbeat.missed_before_unhealthy":
            guard let value = Int(text), value >= 1 else { throw fail("expected a whole number of at least 1, got '\(text)'") }
            configuration.missedHeartbeatsBeforeUnhealthy = value
        case "provisioning.default_provider": configuration.defaultProvider = try nonEmpty(text, fail)
        case "provisioning.registration_timeout": configuration.registrationTimeout = try duration(text, fail)
        case "provisioning.replacement_timeout": configuration.replacementTimeout = try duration(text, fail)
        case "provisioning.retry_backoff": configuration.provisionRetryBackoff = try duration(text, fail)
        case "provisioning.max_backoff": configuration.provisionMaxBackoff = try duration(text, fail)
        case "provisioning.breaker_after_unregistered": configuration.provisioningBreakerAfter = try count(text, fail)
        case "provisioning.strategy":
            guard let strategy = ProvisioningStrategy(rawValue: text) else {
                throw fail("expected \(ProvisioningStrategy.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
            }
            configuration.provisioningStrategy = strategy
        case "provisioning.capacity_retry_after": configuration.capacityRetryAfter = try duration(text, fail)
        case "provisioning.orphan_sweep_interval":
            let interval = try duration(text, fail)
            guard interval >= .seconds(1) else { throw fail("must be at least 1s") }
            configuration.orphanSweepInterval = interval
        case "remediation.gpu_resets": configuration.remediationLimits.gpuResets = try count(text, fail)
        case "remediation.reset_window": configuration.remediationLimits.resetWindow = try duration(text, fail)
        case "remediation.reboots": configuration.remediationLimits.reboots = try count(text, fail)
        case "remediation.reboot_window": configuration.remediationLimits.rebootWindow = try duration(text, fail)
        case "remediation.validate_with_diagnostic": configuration.validateRepairsWithDiagnostic = try boolean(text, fail)
        case "remediation.max_concurrent": configuration.maxConcurrentRemediations = try count(text, fail, minimum: 1)
        case "remediation.silence_grace": configuration.silenceGrace = try duration(text, fail)
        case "remediation.repair_timeout": configuration.repairTimeout = try duration(text, fail)
        case "circuit_breaker.unhealthy_share":
            guard let value = Double(text.hasSuffix("%") ? String(text.dropLast()) : text) else { throw fail("expected a share such as 0.2 or 20%, got '\(text)'") }
            let share = text.hasSuffix("%") ? value / 100 : value
            guard share > 0 && share < 1 else { throw fail("expected a share between 0 and 1 (or 0% and 100%), got '\(text)'") }
            configuration.circuitBreaker.unhealthyShare = share
        case "circuit_breaker.window": configuration.circuitBreaker.window = try duration(text, fail)
        case "circuit_breaker.minimum_nodes": configuration.circuitBreaker.minimumNodes = try count(text, fail, minimum: 1)
        case "rate_limits.provisions_per_provider": configuration.rateLimits.provisionsPerProvider = try count(text, fail, minimum: 1)
        case "rate_limits.terminations_per_provider": configuration.rateLimits.terminationsPerProvider = try count(text, fail, minimum: 1)
        case "rate_limits.provisions_per_pool": configuration.rateLimits.provisionsPerPool = try count(text, fail, minimum: 1)
        case "rate_limits.terminations_per_pool": configuration.rateLimits.terminationsPerPool = try count(text, fail, minimum: 1)
        case "autoscaling.interval":
            let interval = try duration(text, fail)
            guard interval >= .milliseconds(100) else { throw fail("must be at least 100ms") }
            configuration.autoscaleInterval = interval
        case "providers.local.node_binary": configuration.localNodeBinary = text.isEmpty ? nil : expandTilde(text)
        case "bootstrap.agent_binary": configuration.agentBinary = text.isEmpty ? nil : expandTilde(text)
        case "bootstrap.agent_url":
            guard text.hasPrefix("http://") || text.hasPrefix("https://") else { throw fail("expected an http:// or https:// URL, got '\(text)'") }
            configuration.agentURL = text
        case "bootstrap.agent_sha256":
            guard text.count == 64, text.allSatisfy(\.isHexDigit) else { throw fail("expected 64 hex digits (the binary's SHA-256)") }
            configuration.agentSHA256 = text.lowercased()
        case "bootstrap.join_token_ttl":
            let lifetime = try duration(text, fail)
            guard lifetime >= .seconds(60) else { throw fail("must be at least 1m: machines need time to boot") }
            configuration.joinTokenLifetime = lifetime
        default: throw fail("unhandled key of kind \(kind)")
        }
    }

    /// `diagnostics.schedules`: a list of `{pool, suite, level, every, max_concurrent}`.
    private static func diagnosticSchedules(_ node: Yams.Node, file: String) throws -> [DiagnosticSchedule] {
        let key = "diagnostics.schedules"
        guard case .sequence(let list) = node else {
            throw ConfigurationError(file: file, key: key, line: line(node), problem: "expected a list of schedules")
        }
        return try list.enumerated().map { position, item in
            let here = "\(key)[\(position)]"
            guard case .mapping(let mapping) = item else {
                throw ConfigurationError(file: file, key: here, line: line(item), problem: "expected pool, suite, level, every, max_concurrent")
            }
            var fields: [String: (String, Yams.Node)] = [:]
            for (keyNode, value) in mapping {
                let name = keyNode.scalar?.string ?? ""
                guard ["pool", "suite", "level", "every", "max_concurrent"].contains(name) else {
                    throw ConfigurationError(file: file, key: "\(here).\(name)", line: line(keyNode), problem: "unknown key; known keys here: every, level, max_concurrent, pool, suite")
                }
                guard case .scalar(let scalar) = value else {
                    throw ConfigurationError(file: file, key: "\(here).\(name)", line: line(value), problem: "expected a single value")
                }
                fields[name] = (scalar.string, value)
            }
            func fail(_ name: String, _ problem: String) -> ConfigurationError {
                ConfigurationError(file: file, key: "\(here).\(name)", line: line(fields[name]?.1 ?? item), problem: problem)
            }
            guard let pool = fields["pool"]?.0, !pool.isEmpty else { throw fail("pool", "required: the pool to diagnose") }
            guard let everyText = fields["every"]?.0 else { throw fail("every", "required: how often, for example 168h") }
            let every = try duration(everyText) { fail("every", $0) }
            guard every >= .seconds(60) else { throw fail("every", "must be at least 1m") }
            let suite = fields["suite"]?.0 ?? "dcgm"
            guard DiagnosticSchedule.suites.contains(suite) else {
                throw fail("suite", "expected \(DiagnosticSchedule.suites.joined(separator: ", ")), got '\(suite)'")
            }
            let level = Int(fields["level"]?.0 ?? "1") ?? 0
            guard (1...4).contains(level) else { throw fail("level", "expected 1, 2, 3 or 4, got '\(fields["level"]?.0 ?? "")'") }
            let concurrent = Int(fields["max_concurrent"]?.0 ?? "1") ?? 0
            guard concurrent >= 1 else { throw fail("max_concurrent", "expected a whole number of at least 1") }
            return DiagnosticSchedule(pool: pool, suite: suite, level: level, every: every, maxConcurrent: concurrent)
        }
    }

    /// `providers.<provider>.<name>` of a known provider and key.
    private static func providerKind(_ key: String, aliases: [String: String]) -> (provider: String, name: String, kind: ValueKind)? {
        let parts = key.split(separator: ".").map(String.init)
        guard parts.count == 3, parts[0] == "providers", let kind = section(parts[1], aliases: aliases)?[parts[2]] else { return nil }
        return (parts[1], parts[2], kind)
    }

    /// The keys of provider section `name`: its cloud's, with `cloud` itself for the clouds.
    private static func section(_ name: String, aliases: [String: String]) -> [String: ValueKind]? {
        guard let keys = providerKeys[aliases[name] ?? name] else { return nil }
        return clouds.contains(aliases[name] ?? name) ? keys.merging(["cloud": .string]) { a, _ in a } : keys
    }

    private static func providerSetting(_ node: Yams.Node, kind: ValueKind, _ fail: (String) -> ConfigurationError) throws -> ProviderSetting {
        let line = line(node)
        switch (kind, node) {
        case (.stringList, .sequence(let items)):
            return ProviderSetting(.list(try items.map { item in
                guard case .scalar(let scalar) = item, !scalar.string.isEmpty else { throw fail("expected a list of names") }
                return scalar.string
            }), line: line)
        case (.stringList, .scalar(let scalar)):
            return ProviderSetting(.list(scalar.string.isEmpty ? [] : [scalar.string]), line: line)
        case (.boolean, .scalar(let scalar)):
            guard ["true", "false"].contains(scalar.string) else { throw fail("expected true or false, got '\(scalar.string)'") }
            return ProviderSetting(.string(scalar.string), line: line)
        case (.path, .scalar(let scalar)):
            return ProviderSetting(.string(expandTilde(scalar.string)), line: line)
        case (_, .scalar(let scalar)):
            return ProviderSetting(.string(scalar.string), line: line)
        default:
            throw fail(kind == .stringList ? "expected a list of names" : "expected a single value, not a \(kindName(node))")
        }
    }

    static func count(_ text: String, _ fail: (String) -> ConfigurationError, minimum: Int = 0) throws -> Int {
        guard let value = Int(text), value >= minimum else { throw fail("expected a whole number of at least \(minimum), got '\(text)'") }
        return value
    }

    static func boolean(_ text: String, _ fail: (String) -> ConfigurationError) throws -> Bool {
        switch text {
        case "true": return true
        case "false": return false
        default: throw fail("expected true or false, got '\(text)'")
        }
    }

    private static func nonEmpty(_ text: String, _ fail: (String) -> ConfigurationError) throws -> String {
        guard !text.isEmpty else { throw fail("must not be empty") }
        return text
    }

    private static func port(_ text: String, _ fail: (String) -> ConfigurationError) throws -> Int {
        guard let value = Int(text), (0...65535).contains(value) else {
            throw fail("expected a port number from 0 to 65535, got '\(text)'")
        }
        return value
    }

    static func duration(_ text: String, _ fail: (String) -> ConfigurationError) throws -> Duration {
        guard let value = DurationParser.parse(text) else {
            throw fail("expected a duration such as 500ms, 5s, 2m or 1h, got '\(text)'")
        }
        return value
    }

    static func expandTilde(_ path: String) -> String {
        guard path.hasPrefix("~") else { return path }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return home + path.dropFirst()
    }

    static func line(_ node: Yams.Node) -> Int? { node.mark.map { $0.line } }

    static func kindName(_ node: Yams.Node) -> String {
        switch node {
        case .mapping: "mapping"
        case .sequence: "list"
        case .scalar: "value"
        case .alias: "alias"
        }
    }

    private static func yamlErrorLine(_ error: any Error) -> Int? {
        if let yamlError = error as? YamlError {
            switch yamlError {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _): return mark.line
            default: return nil
            }
        }
        return nil
    }
}
