import Foundation
import NavarchCore
import Yams

/// Reads scenario files: the reference project's schema as it is, and Navarch's `pools` and
/// `world` sections. Every key is checked: an unknown one, a bad duration, an unknown action or
/// failure type, or a target that names no machine fails with the file, the line and the key.
public struct ScenarioFile {
    let file: String

    /// Reads the scenario at `path`.
    public static func load(_ path: String) throws -> Scenario {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ScenarioError(file: path, line: nil, key: "", problem: "cannot read the file")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String = "scenario") throws -> Scenario {
        let reader = ScenarioFile(file: file)
        let root: Yams.Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw ScenarioError(file: file, line: nil, key: "", problem: "the file is empty") }
            root = node
        } catch let error as ScenarioError { throw error } catch {
            throw ScenarioError(file: file, line: nil, key: "", problem: "not valid YAML: \(error)")
        }
        return try reader.scenario(root)
    }

    // MARK: - Sections

    func scenario(_ root: Yams.Node) throws -> Scenario {
        let top = try mapping(root, "", ["name", "description", "fleet", "pools", "providers", "policy", "events", "assertions", "stress", "world"])
        guard let nameNode = top["name"] else { throw error(root, "name", "every scenario needs a name") }
        var scenario = Scenario(name: try string(nameNode, "name"))
        scenario.file = file
        if let node = top["description"] { scenario.description = try string(node, "description") }
        if let node = top["fleet"] {
            scenario.fleet = try list(node, "fleet").enumerated().map { try machine($1, "fleet[\($0)]") }
        }
        if let node = top["pools"] {
            scenario.pools = try list(node, "pools").enumerated().map { try pool($1, "pools[\($0)]") }
        }
        if let node = top["providers"] {
            scenario.providers = try list(node, "providers").enumerated().map { try provider($1, "providers[\($0)]") }
        }
        if let node = top["policy"] { scenario.policyFile = try string(node, "policy") }
        if let node = top["world"] { scenario.world = try world(node) }
        if let node = top["stress"] { scenario.stress = try stress(node) }
        if let node = top["events"] {
            scenario.events = try list(node, "events").enumerated().map { try event($1, "events[\($0)]") }
        }
        if let node = top["assertions"] {
            scenario.assertions = try list(node, "assertions").enumerated().map { try assertion($1, "assertions[\($0)]") }
        }
        try checkTargets(scenario, root: root)
        return scenario
    }

    func machine(_ node: Yams.Node, _ key: String) throws -> Scenario.Machine {
        let fields = try mapping(node, key, ["id", "provider", "region", "zone", "instance_type", "gpu_count", "gpu_type", "labels"])
        guard let id = fields["id"] else { throw error(node, key + ".id", "every machine needs an id") }
        var machine = Scenario.Machine(id: try string(id, key + ".id"), provider: try fields["provider"].map { try string($0, key + ".provider") } ?? "gcp")
        if let value = fields["region"] { machine.region = try string(value, key + ".region") }
        if let value = fields["zone"] { machine.zone = try string(value, key + ".zone") }
        if let value = fields["instance_type"] { machine.instanceType = try string(value, key + ".instance_type") }
        if let value = fields["gpu_count"] { machine.gpuCount = try integer(value, key + ".gpu_count", min: 1) }
        if let value = fields["gpu_type"] { machine.gpuType = try string(value, key + ".gpu_type") }
        if let value = fields["labels"] { machine.labels = try stringMap(value, key + ".labels") }
        return machine
    }

    func pool(_ node: Yams.Node, _ key: String) throws -> Scenario.PoolSpec {
        let fields = try mapping(node, key, ["name", "provider", "gpu_type", "nodes", "min_nodes", "max_nodes", "zones", "spot", "spot_fallback", "labels"])
        func required(_ name: String) throws -> Yams.Node {
            guard let value = fields[name] else { throw error(node, "\(key).\(name)", "every pool needs \(name)") }
            return value
        }
        var pool = Scenario.PoolSpec(
            name: try string(try required("name"), key + ".name"), provider: try fields["provider"].map { try string($0, key + ".provider") } ?? "aws",
            gpuType: try string(try required("gpu_type"), key + ".gpu_type"), nodes: try integer(try required("nodes"), key + ".nodes", min: 0))
        do { try Pool.validate(name: pool.name) } catch { throw self.error(try required("name"), key + ".name", error.message) }
        if let value = fields["min_nodes"] { pool.minNodes = try integer(value, key + ".min_nodes", min: 0) }
        if let value = fields["max_nodes"] { pool.maxNodes = try integer(value, key + ".max_nodes", min: 0) }
        if let value = fields["zones"] { pool.zones = try list(value, key + ".zones").enumerated().map { try string($1, "\(key).zones[\($0)]") } }
        if let value = fields["spot"] { pool.spot = try bool(value, key + ".spot") }
        if let value = fields["spot_fallback"] {
            let text = try string(value, key + ".spot_fallback")
            guard ["on-demand", "none"].contains(text) else { throw error(value, key + ".spot_fallback", "expected on-demand or none, got '\(text)'") }
            pool.spotFallback = text == "on-demand"
        }
        if let value = fields["labels"] { pool.labels = try stringMap(value, key + ".labels") }
        do { pool.gpuType = try InstanceTypeCatalog.named(pool.gpuType).name } catch { throw self.error(try required("gpu_type"), key + ".gpu_type", error.message) }
        return pool
    }

    func provider(_ node: Yams.Node, _ key: String) throws -> Scenario.ProviderSpec {
        let fields = try mapping(node, key, ["name", "region", "zones", "capacity_per_zone", "api_error_rate", "boot_time", "spot_preemptions_per_day"])
        guard let name = fields["name"] else { throw error(node, key + ".name", "every provider needs a name") }
        var spec = Scenario.ProviderSpec(name: try string(name, key + ".name"))
        if let value = fields["region"] { spec.region = try string(value, key + ".region") }
        if let value = fields["zones"] { spec.zones = try list(value, key + ".zones").enumerated().map { try string($1, "\(key).zones[\($0)]") } }
        if let value = fields["capacity_per_zone"] { spec.capacityPerZone = try integer(value, key + ".capacity_per_zone", min: 0) }
        if let value = fields["api_error_rate"] { spec.apiErrorRate = try share(value, key + ".api_error_rate") }
        if let value = fields["boot_time"] { spec.bootTime = try duration(value, key + ".boot_time") }
        if let value = fields["spot_preemptions_per_day"] { spec.spotPreemptionsPerDay = try number(value, key + ".spot_preemptions_per_day") }
        return spec
    }

    func world(_ node: Yams.Node) throws -> Scenario.World {
        let fields = try mapping(node, "world", [
            "boot_time", "boot_time_deviation", "boot_failure_rate", "provider_latency", "spot_preemptions_per_day", "coordinator_drain_time",
            "api_error_rate", "capacity_per_zone", "reset_time", "reset_success", "reboot_time", "reboot_success", "diagnostic_time",
        ])
        var world = Scenario.World()
        if let value = fields["boot_time"] { world.bootTime = try duration(value, "world.boot_time") }
        if let value = fields["boot_time_deviation"] { world.bootTimeDeviation = try duration(value, "world.boot_time_deviation") }
        if let value = fields["boot_failure_rate"] { world.bootFailureRate = try share(value, "world.boot_failure_rate") }
        if let value = fields["provider_latency"] { world.providerLatency = try duration(value, "world.provider_latency") }
        if let value = fields["spot_preemptions_per_day"] { world.spotPreemptionsPerDay = try number(value, "world.spot_preemptions_per_day") }
        if let value = fields["coordinator_drain_time"] { world.coordinatorDrainTime = try duration(value, "world.coordinator_drain_time") }
        if let value = fields["api_error_rate"] { world.apiErrorRate = try share(value, "world.api_error_rate") }
        if let value = fields["capacity_per_zone"] { world.capacityPerZone = try integer(value, "world.capacity_per_zone", min: 0) }
        if let value = fields["reset_time"] { world.resetTime = try duration(value, "world.reset_time") }
        if let value = fields["reset_success"] { world.resetSuccess = try share(value, "world.reset_success") }
        if let value = fields["reboot_time"] { world.rebootTime = try duration(value, "world.reboot_time") }
        if let value = fields["reboot_success"] { world.rebootSuccess = try share(value, "world.reboot_success") }
        if let value = fields["diagnostic_time"] { world.diagnosticTime = try duration(value, "world.diagnostic_time") }
        return world
    }

    func event(_ node: Yams.Node, _ key: String) throws -> Scenario.Event {
        let fields = try mapping(node, key, ["at", "action", "target", "params"])
        guard let at = fields["at"] else { throw error(node, key + ".at", "every event needs a time (`at`)") }
        guard let actionNode = fields["action"] else { throw error(node, key + ".action", "every event needs an action") }
        let name = try string(actionNode, key + ".action")
        guard let action = Scenario.Event.Action(rawValue: name) else {
            throw error(actionNode, key + ".action", "unknown action '\(name)'; known: \(Scenario.Event.Action.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var event = Scenario.Event(at: try duration(at, key + ".at"), action: action, line: line(node) ?? 0)
        if let value = fields["target"] { event.target = try string(value, key + ".target") }
        if let value = fields["params"] {
            let allowed: [String]
            switch action {
            case .injectFailure, .recoverFailure: allowed = ["failure_type", "xid_code", "gpu_index", "message"]
            case .issueCommand: allowed = ["command_type", "command", "reason"]
            case .waitForStatus: allowed = ["expected_status", "timeout"]
            case .log: allowed = ["log_message", "message"]
            case .assert: allowed = ["type", "expected"]
            case .setQueue: allowed = ["depth"]
            case .startFleet, .stopFleet, .wait: allowed = ["duration"]
            }
            let params = try mapping(value, key + ".params", allowed)
            for (name, param) in params.sorted(by: { $0.key < $1.key }) { event.params[name] = try string(param, "\(key).params.\(name)") }
            if let type = event.params["failure_type"], Scenario.FailureType(rawValue: type) == nil {
                throw error(params["failure_type"]!, key + ".params.failure_type", "unknown failure type '\(type)'; known: \(Scenario.FailureType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            for name in ["xid_code", "gpu_index"] where event.params[name] != nil && Int(event.params[name]!) == nil {
                throw error(params[name]!, "\(key).params.\(name)", "expected a whole number, got '\(event.params[name]!)'")
            }
            if let timeout = params["timeout"] { _ = try duration(timeout, key + ".params.timeout") }
            if let depth = params["depth"] { _ = try integer(depth, key + ".params.depth", min: 0) }
        }
        if action == .issueCommand {
            let command = event.params["command_type"] ?? event.params["command"] ?? ""
            guard ["cordon", "uncordon", "drain", "terminate", "run_diagnostic"].contains(command) else {
                throw error(node, key + ".params.command_type", "unknown command '\(command)'; known: cordon, uncordon, drain, terminate, run_diagnostic")
            }
        }
        return event
    }

    func assertion(_ node: Yams.Node, _ key: String) throws -> Scenario.Assertion {
        let fields = try mapping(node, key, ["type", "target", "expected"])
        guard let typeNode = fields["type"] else { throw error(node, key + ".type", "every assertion needs a type") }
        let name = try string(typeNode, key + ".type")
        guard let kind = Scenario.Assertion.Kind(rawValue: name) else {
            throw error(typeNode, key + ".type", "unknown assertion '\(name)'; known: \(Scenario.Assertion.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let expected = fields["expected"] else { throw error(node, key + ".expected", "every assertion needs an expected value") }
        var assertion = Scenario.Assertion(kind: kind, expected: try string(expected, key + ".expected"), line: line(node) ?? 0)
        if let value = fields["target"] { assertion.target = try string(value, key + ".target") }
        if kind == .metric {
            guard SimulationMetrics.names.contains(assertion.target) else {
                throw error(fields["target"] ?? node, key + ".target", "unknown metric '\(assertion.target)'; known: \(SimulationMetrics.names.joined(separator: ", "))")
            }
            guard MetricExpectation(assertion.expected) != nil else {
                throw error(expected, key + ".expected", "expected a comparison and a number (like >= 0.95, < 10, == 0), got '\(assertion.expected)'")
            }
        }
        if kind == .nodeCount && Int(assertion.expected) == nil {
            throw error(expected, key + ".expected", "node_count expects a whole number, got '\(assertion.expected)'")
        }
        return assertion
    }

    func stress(_ node: Yams.Node) throws -> Scenario.Stress {
        let fields = try mapping(node, "stress", ["duration", "metrics_interval", "seed", "report_file", "html_report_file", "fleet_gen", "chaos"])
        var stress = Scenario.Stress()
        if let value = fields["duration"] { stress.duration = try duration(value, "stress.duration") }
        if let value = fields["metrics_interval"] { stress.metricsInterval = try duration(value, "stress.metrics_interval") }
        if let value = fields["seed"] { stress.seed = UInt64(try integer(value, "stress.seed", min: 0)) }
        if let value = fields["report_file"] { stress.reportFile = try string(value, "stress.report_file") }
        if let value = fields["html_report_file"] { stress.htmlReportFile = try string(value, "stress.html_report_file") }
        if let value = fields["fleet_gen"] { stress.fleetGen = try fleetGen(value) }
        if let value = fields["chaos"] { stress.chaos = try chaos(value) }
        return stress
    }

    func fleetGen(_ node: Yams.Node) throws -> Scenario.FleetGen {
        let key = "stress.fleet_gen"
        let fields = try mapping(node, key, ["total_nodes", "templates", "providers", "regions", "zones", "startup"])
        var gen = Scenario.FleetGen()
        if let value = fields["total_nodes"] { gen.totalNodes = try integer(value, key + ".total_nodes", min: 0) }
        if let value = fields["templates"] {
            gen.templates = try list(value, key + ".templates").enumerated().map { index, item in
                let at = "\(key).templates[\(index)]"
                let t = try mapping(item, at, ["name", "weight", "gpu_count", "gpu_type", "instance_type"])
                var template = Scenario.FleetGen.Template(name: try t["name"].map { try string($0, at + ".name") } ?? "template-\(index)")
                if let v = t["weight"] { template.weight = try number(v, at + ".weight") }
                if let v = t["gpu_count"] { template.gpuCount = try integer(v, at + ".gpu_count", min: 1) }
                if let v = t["gpu_type"] { template.gpuType = try string(v, at + ".gpu_type") }
                if let v = t["instance_type"] { template.instanceType = try string(v, at + ".instance_type") }
                return template
            }
        }
        if let value = fields["providers"] { gen.providers = try weights(value, key + ".providers") }
        if let value = fields["regions"] { gen.regions = try weights(value, key + ".regions") }
        if let value = fields["zones"] { gen.zones = try list(value, key + ".zones").enumerated().map { try string($1, "\(key).zones[\($0)]") } }
        if let value = fields["startup"] {
            let s = try mapping(value, key + ".startup", ["pattern", "duration", "jitter_percent"])
            if let v = s["pattern"] {
                let name = try string(v, key + ".startup.pattern")
                guard let pattern = Scenario.Startup.Pattern(rawValue: name) else {
                    throw error(v, key + ".startup.pattern", "unknown pattern '\(name)'; known: instant, linear, exponential, wave")
                }
                gen.startup.pattern = pattern
            }
            if let v = s["duration"] { gen.startup.duration = try duration(v, key + ".startup.duration") }
            if let v = s["jitter_percent"] { gen.startup.jitterPercent = try number(v, key + ".startup.jitter_percent") }
        }
        return gen
    }

    func chaos(_ node: Yams.Node) throws -> Scenario.Chaos {
        let key = "stress.chaos"
        let fields = try mapping(node, key, ["enabled", "failure_rate", "xid_distribution", "failure_types", "cascading", "recovery", "scheduled_outages"])
        var chaos = Scenario.Chaos()
        if let v = fields["enabled"] { chaos.enabled = try bool(v, key + ".enabled") }
        if let v = fields["failure_rate"] { chaos.failureRate = try number(v, key + ".failure_rate") }
        if let v = fields["xid_distribution"] {
            chaos.xidDistribution = try weights(v, key + ".xid_distribution").map { name, weight in
                guard let code = Int(name) else { throw error(v, key + ".xid_distribution", "XID codes are whole numbers, got '\(name)'") }
                return (code, weight)
            }
        }
        if let v = fields["failure_types"] {
            chaos.failureTypes = try list(v, key + ".failure_types").enumerated().map { index, item in
                let at = "\(key).failure_types[\(index)]"
                let f = try mapping(item, at, ["type", "weight"])
                guard let typeNode = f["type"] else { throw error(item, at + ".type", "every failure type needs a type") }
                let name = try string(typeNode, at + ".type")
                guard let type = Scenario.FailureType(rawValue: name) else {
                    throw error(typeNode, at + ".type", "unknown failure type '\(name)'; known: \(Scenario.FailureType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return (type, try f["weight"].map { try number($0, at + ".weight") } ?? 1)
            }
        }
        if let v = fields["cascading"] {
            let c = try mapping(v, key + ".cascading", ["enabled", "probability", "max_depth", "min_delay", "max_delay", "scope", "max_affected_percent"])
            if let x = c["enabled"] { chaos.cascading.enabled = try bool(x, key + ".cascading.enabled") }
            if let x = c["probability"] { chaos.cascading.probability = try share(x, key + ".cascading.probability") }
            if let x = c["max_depth"] { chaos.cascading.maxDepth = try integer(x, key + ".cascading.max_depth", min: 1) }
            if let x = c["min_delay"] { chaos.cascading.minDelay = try duration(x, key + ".cascading.min_delay") }
            if let x = c["max_delay"] { chaos.cascading.maxDelay = try duration(x, key + ".cascading.max_delay") }
            if let x = c["scope"] { chaos.cascading.scope = try scope(x, key + ".cascading.scope") }
            if let x = c["max_affected_percent"] { chaos.cascading.maxAffectedPercent = try share(x, key + ".cascading.max_affected_percent") }
        }
        if let v = fields["recovery"] {
            let r = try mapping(v, key + ".recovery", ["enabled", "probability", "mean_time", "std_dev"])
            if let x = r["enabled"] { chaos.recovery.enabled = try bool(x, key + ".recovery.enabled") }
            if let x = r["probability"] { chaos.recovery.probability = try share(x, key + ".recovery.probability") }
            if let x = r["mean_time"] { chaos.recovery.meanTime = try duration(x, key + ".recovery.mean_time") }
            if let x = r["std_dev"] { chaos.recovery.standardDeviation = try duration(x, key + ".recovery.std_dev") }
        }
        if let v = fields["scheduled_outages"] {
            chaos.outages = try list(v, key + ".scheduled_outages").enumerated().map { index, item in
                let at = "\(key).scheduled_outages[\(index)]"
                let o = try mapping(item, at, ["name", "start", "duration", "scope", "target", "failure_type"])
                func required(_ name: String) throws -> Yams.Node {
                    guard let value = o[name] else { throw error(item, "\(at).\(name)", "every outage needs \(name)") }
                    return value
                }
                var outage = Scenario.Outage(
                    start: try duration(try required("start"), at + ".start"), duration: try duration(try required("duration"), at + ".duration"),
                    scope: try scope(try required("scope"), at + ".scope"), target: try string(try required("target"), at + ".target"))
                if let x = o["name"] { outage.name = try string(x, at + ".name") }
                if let x = o["failure_type"] {
                    let name = try string(x, at + ".failure_type")
                    guard let type = Scenario.FailureType(rawValue: name) else { throw error(x, at + ".failure_type", "unknown failure type '\(name)'") }
                    outage.failureType = type
                }
                return outage
            }
        }
        return chaos
    }

    /// Every event and assertion target names a machine of the fixed fleet or a node of a pool
    /// (`POOL-N`); a `set_queue` names a pool.
    func checkTargets(_ scenario: Scenario, root: Yams.Node) throws {
        let known = Set(scenario.fleet.map(\.id))
        let pools = scenario.pools.map(\.name)
        func isKnown(_ target: String) -> Bool {
            known.contains(target) || pools.contains { pool in
                target.hasPrefix(pool + "-") && Int(target.dropFirst(pool.count + 1)) != nil
            }
        }
        let describe = (known.sorted() + pools.map { "\($0)-N" }).joined(separator: ", ")
        for (index, event) in scenario.events.enumerated() where !event.target.isEmpty {
            // A set_queue may name a pool of the policy file: the simulation checks it.
            if event.action == .setQueue { continue }
            guard [.injectFailure, .recoverFailure, .issueCommand, .waitForStatus].contains(event.action) else { continue }
            if !isKnown(event.target) {
                throw ScenarioError(file: file, line: event.line, key: "events[\(index)].target", problem: "no machine '\(event.target)' in the fleet; known: \(describe)")
            }
        }
        for (index, event) in scenario.events.enumerated() where event.action == .setQueue && event.target.isEmpty {
            throw ScenarioError(file: file, line: event.line, key: "events[\(index)].target", problem: "set_queue needs the pool as its target")
        }
        for (index, assertion) in scenario.assertions.enumerated() where !assertion.target.isEmpty && [.nodeStatus, .healthStatus].contains(assertion.kind) {
            if !isKnown(assertion.target) {
                throw ScenarioError(file: file, line: assertion.line, key: "assertions[\(index)].target", problem: "no machine '\(assertion.target)' in the fleet; known: \(describe)")
            }
        }
        var names = Set<String>()
        for pool in scenario.pools where !names.insert(pool.name).inserted {
            throw ScenarioError(file: file, line: nil, key: "pools", problem: "pool '\(pool.name)' is defined twice")
        }
    }

    // MARK: - Values

    func line(_ node: Yams.Node) -> Int? { node.mark.map { $0.line } }

    func error(_ node: Yams.Node, _ key: String, _ problem: String) -> ScenarioError {
        ScenarioError(file: file, line: line(node), key: key, problem: problem)
    }

    func mapping(_ node: Yams.Node, _ key: String, _ allowed: [String]) throws -> [String: Yams.Node] {
        guard case .mapping(let mapping) = node else { throw error(node, key, "expected a mapping of keys") }
        var result: [String: Yams.Node] = [:]
        for (keyNode, value) in mapping {
            let name = try string(keyNode, key)
            let path = key.isEmpty ? name : "\(key).\(name)"
            guard allowed.contains(name) else { throw error(keyNode, path, "unknown key; known keys here: \(allowed.joined(separator: ", "))") }
            guard result[name] == nil else { throw error(keyNode, path, "key given twice") }
            result[name] = value
        }
        return result
    }

    func list(_ node: Yams.Node, _ key: String) throws -> [Yams.Node] {
        guard case .sequence(let sequence) = node else { throw error(node, key, "expected a list") }
        return Array(sequence)
    }

    func string(_ node: Yams.Node, _ key: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw error(node, key, "expected a single value") }
        return scalar.string
    }

    func stringMap(_ node: Yams.Node, _ key: String) throws -> [String: String] {
        guard case .mapping(let mapping) = node else { throw error(node, key, "expected a mapping") }
        var result: [String: String] = [:]
        for (name, value) in mapping { result[try string(name, key)] = try string(value, key) }
        return result
    }

    /// A mapping of names to weights or percentages, in file order.
    func weights(_ node: Yams.Node, _ key: String) throws -> [(String, Double)] {
        guard case .mapping(let mapping) = node else { throw error(node, key, "expected a mapping of names to weights") }
        return try mapping.map { name, value in (try string(name, key), try number(value, "\(key).\(try string(name, key))")) }
    }

    func duration(_ node: Yams.Node, _ key: String) throws -> Duration {
        let text = try string(node, key)
        guard let value = DurationParser.parse(text) else { throw error(node, key, "'\(text)' is not a duration (like 500ms, 30s, 5m, 2h, 7d)") }
        return value
    }

    func number(_ node: Yams.Node, _ key: String) throws -> Double {
        let text = try string(node, key)
        guard let value = Double(text), value.isFinite, value >= 0 else { throw error(node, key, "expected a number not below 0, got '\(text)'") }
        return value
    }

    func share(_ node: Yams.Node, _ key: String) throws -> Double {
        let value = try number(node, key)
        guard value <= 1 else { throw error(node, key, "expected a share from 0 to 1, got \(value)") }
        return value
    }

    func integer(_ node: Yams.Node, _ key: String, min: Int) throws -> Int {
        let text = try string(node, key)
        guard let value = Int(text), value >= min else { throw error(node, key, "expected a whole number of at least \(min), got '\(text)'") }
        return value
    }

    func bool(_ node: Yams.Node, _ key: String) throws -> Bool {
        switch try string(node, key) {
        case "true", "yes": return true
        case "false", "no": return false
        case let other: throw error(node, key, "expected true or false, got '\(other)'")
        }
    }

    func scope(_ node: Yams.Node, _ key: String) throws -> Scenario.Scope {
        let name = try string(node, key)
        guard let scope = Scenario.Scope(rawValue: name) else { throw error(node, key, "unknown scope '\(name)'; known: rack, zone, region, provider") }
        return scope
    }
}
