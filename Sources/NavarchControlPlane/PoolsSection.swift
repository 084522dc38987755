import Foundation
import NavarchCore
import NavarchHealth
import Yams

/// `pools:` in navarch.yaml: a mapping of pool name to its definition.
enum PoolsSection {
    static let keys = [
        "provider", "type", "gpus", "nodes", "min_nodes", "max_nodes", "labels", "spot", "spot_fallback", "placement",
        "scale_up_cooldown", "scale_down_cooldown", "autoscaler", "strategy", "health", "zones",
    ]

    /// - Parameter policy: the file's health policy, which a pool's `health` is read over.
    static func parse(_ node: Yams.Node, file: String, policy: HealthPolicy = .builtin) throws -> [PoolDefinition] {
        guard case .mapping(let mapping) = node else {
            throw ConfigurationError(file: file, key: "pools", line: ConfigurationFile.line(node), problem: "expected a mapping of pool name to its settings")
        }
        return try mapping.map { keyNode, value in
            let name = keyNode.scalar?.string ?? ""
            let here = "pools.\(name)"
            do { try Pool.validate(name: name) } catch {
                throw ConfigurationError(file: file, key: here, line: ConfigurationFile.line(keyNode), problem: (error as? NavarchError)?.message ?? "\(error)")
            }
            let fields = try YAMLFields(value, at: here, file: file, known: keys)
            let typeName = try fields.required("type", "the GPU type (\(InstanceTypeCatalog.all.map(\.name).joined(separator: ", ")))")
            let type: InstanceType
            do { type = try InstanceTypeCatalog.named(typeName) } catch { throw fields.fail("type", (error as? NavarchError)?.message ?? "\(error)") }
            if fields.has("gpus") && fields.has("nodes") { throw fields.fail("nodes", "give gpus or nodes, not both") }
            var gpus = try fields.int("gpus", minimum: 1) ?? 0
            if let nodes = try fields.int("nodes", minimum: 1) { gpus = nodes * type.gpusPerNode }
            let minNodes = try fields.int("min_nodes") ?? 0
            let maxNodes = try fields.int("max_nodes") ?? 0
            if maxNodes > 0 && minNodes > maxNodes { throw fields.fail("min_nodes", "\(minNodes) is more than max_nodes (\(maxNodes))") }
            var autoscaling: PoolAutoscaling?
            if let spec = fields.node("autoscaler") {
                var configured = PoolAutoscaling(autoscaler: try autoscaler(spec, at: "\(here).autoscaler", file: file))
                if let cooldown = try fields.duration("scale_up_cooldown") { configured.scaleUpCooldown = cooldown }
                if let cooldown = try fields.duration("scale_down_cooldown") { configured.scaleDownCooldown = cooldown }
                guard maxNodes > 0 else { throw fields.fail("autoscaler", "an autoscaled pool needs max_nodes") }
                autoscaling = configured
            } else if fields.has("scale_up_cooldown") || fields.has("scale_down_cooldown") {
                throw fields.fail("scale_up_cooldown", "cooldowns apply to an autoscaler; the pool has none")
            }
            guard gpus > 0 || minNodes > 0 || autoscaling != nil else { throw fields.fail("gpus", "required: gpus, nodes or min_nodes") }
            let options: PoolOptions
            do {
                options = try PoolOptions(
                    spot: try fields.bool("spot") ?? false, spotFallback: try fields.string("spot_fallback") ?? "none",
                    placement: try fields.string("placement") ?? "none")
            } catch { throw fields.fail("spot_fallback", (error as? NavarchError)?.message ?? "\(error)") }
            let provider = try fields.string("provider") ?? ""
            for candidate in Pool.providerCandidates(provider) {
                do { try Pool.validateProviderName(candidate) } catch { throw fields.fail("provider", (error as? NavarchError)?.message ?? "\(error)") }
            }
            var definition = PoolDefinition(
                name: name, provider: provider, gpuType: type.name, gpus: gpus, minNodes: minNodes, maxNodes: maxNodes,
                labels: try fields.map("labels") ?? [:], options: options, autoscaling: autoscaling)
            definition.zones = try fields.strings("zones") ?? []
            if let text = try fields.string("strategy") {
                guard let strategy = ProvisioningStrategy(rawValue: text) else {
                    throw fields.fail("strategy", "expected \(ProvisioningStrategy.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
                }
                definition.strategy = strategy
            }
            if let health = fields.node("health") {
                do { definition.healthPolicy = try HealthPolicyFile.parse(node: health, over: policy, prefix: "\(here).health") } catch let error as HealthPolicyError {
                    throw ConfigurationError(file: file, key: error.key, line: error.line, problem: error.problem)
                }
            }
            return definition
        }
    }

    static let dayNumbers = ["mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7]

    /// One autoscaler: `{type: reactive|queue|scheduled|predictive|composite, ...}`.
    static func autoscaler(_ node: Yams.Node, at here: String, file: String) throws -> AutoscalerSpec {
        let probe = try YAMLFields(node, at: here, file: file, known: [
            "type", "scale_up_above", "scale_down_below", "target", "jobs_per_node", "windows", "time_zone", "window", "lookahead",
            "minimum_samples", "mode", "autoscalers",
        ])
        let type = try probe.required("type", "reactive, queue, scheduled, predictive or composite")
        let allowed: [String: [String]] = [
            "reactive": ["scale_up_above", "scale_down_below", "target"], "queue": ["jobs_per_node"], "scheduled": ["windows", "time_zone"],
            "predictive": ["window", "lookahead", "scale_up_above", "scale_down_below", "minimum_samples"], "composite": ["mode", "autoscalers"],
        ]
        guard let keys = allowed[type] else { throw probe.fail("type", "expected reactive, queue, scheduled, predictive or composite, got '\(type)'") }
        let fields = try YAMLFields(node, at: here, file: file, known: keys + ["type"])
        switch type {
        case "reactive":
            let up = try fields.double("scale_up_above", in: 1...100) ?? 80
            let down = try fields.double("scale_down_below", in: 0...99) ?? 30
            guard down < up else { throw fields.fail("scale_down_below", "must be below scale_up_above (\(Int(up)))") }
            return .reactive(ReactiveAutoscaler(scaleUpAbove: up, scaleDownBelow: down, target: try fields.double("target", in: 1...100)))
        case "queue":
            return .queue(QueueAutoscaler(jobsPerNode: try fields.int("jobs_per_node", minimum: 1) ?? 1))
        case "scheduled":
            let zone = try fields.string("time_zone") ?? "UTC"
            guard TimeZone(identifier: zone) != nil else { throw fields.fail("time_zone", "'\(zone)' is not a time zone (for example Europe/Paris)") }
            guard let items = try fields.list("windows"), !items.isEmpty else { throw fields.fail("windows", "required: at least one window") }
            let windows = try items.enumerated().map { position, item in
                let window = try YAMLFields(item, at: "\(here).windows[\(position)]", file: file, known: ["days", "start", "end", "min_nodes", "max_nodes"])
                let dayNames = try window.strings("days") ?? []
                let days = try dayNames.map { name in
                    guard let day = dayNumbers[String(name.lowercased().prefix(3))] else { throw window.fail("days", "'\(name)' is not a day (mon ... sun)") }
                    return day
                }
                guard let start = ScheduledAutoscaler.Window.minutes(try window.required("start", "a time such as 08:00")) else { throw window.fail("start", "expected HH:MM") }
                guard let end = ScheduledAutoscaler.Window.minutes(try window.required("end", "a time such as 20:00")) else { throw window.fail("end", "expected HH:MM") }
                let minimum = try window.int("min_nodes") ?? 0
                guard let maximum = try window.int("max_nodes", minimum: 1) else { throw window.fail("max_nodes", "required") }
                guard minimum <= maximum else { throw window.fail("min_nodes", "\(minimum) is more than max_nodes (\(maximum))") }
                return ScheduledAutoscaler.Window(days: days, start: start, end: end, minNodes: minimum, maxNodes: maximum)
            }
            return .scheduled(ScheduledAutoscaler(windows: windows, timeZone: zone))
        case "predictive":
            var predictive = PredictiveAutoscaler()
            if let window = try fields.duration("window") { predictive.window = window }
            if let lookahead = try fields.duration("lookahead") { predictive.lookahead = lookahead }
            if let up = try fields.double("scale_up_above", in: 1...100) { predictive.scaleUpAbove = up }
            if let down = try fields.double("scale_down_below", in: 0...99) { predictive.scaleDownBelow = down }
            if let samples = try fields.int("minimum_samples", minimum: 2) { predictive.minimumSamples = samples }
            return .predictive(predictive)
        default:
            let modeText = try fields.string("mode") ?? "max"
            guard let mode = CompositeAutoscaler.Mode(rawValue: modeText) else { throw fields.fail("mode", "expected max, min or avg, got '\(modeText)'") }
            guard let items = try fields.list("autoscalers"), !items.isEmpty else { throw fields.fail("autoscalers", "required: the autoscalers to combine") }
            return .composite(mode: mode, members: try items.enumerated().map { try autoscaler($1, at: "\(here).autoscalers[\($0)]", file: file) })
        }
    }
}
