import Yams

/// The fields of one mapping in navarch.yaml, read strictly: unknown keys are errors naming the
/// key, its line and the keys allowed there.
struct YAMLFields {
    let here: String
    let file: String
    let node: Yams.Node
    private var fields: [String: Yams.Node] = [:]

    init(_ node: Yams.Node, at here: String, file: String, known: [String]) throws {
        self.here = here
        self.file = file
        self.node = node
        guard case .mapping(let mapping) = node else {
            throw ConfigurationError(file: file, key: here, line: ConfigurationFile.line(node), problem: "expected a mapping with \(known.sorted().joined(separator: ", "))")
        }
        for (keyNode, value) in mapping {
            let name = keyNode.scalar?.string ?? ""
            guard known.contains(name) else {
                throw ConfigurationError(
                    file: file, key: "\(here).\(name)", line: ConfigurationFile.line(keyNode),
                    problem: "unknown key; known keys here: \(known.sorted().joined(separator: ", "))")
            }
            fields[name] = value
        }
    }

    func has(_ name: String) -> Bool { fields[name] != nil }

    func fail(_ name: String, _ problem: String) -> ConfigurationError {
        ConfigurationError(file: file, key: "\(here).\(name)", line: ConfigurationFile.line(fields[name] ?? node), problem: problem)
    }

    func node(_ name: String) -> Yams.Node? { fields[name] }

    func string(_ name: String) throws -> String? {
        guard let value = fields[name] else { return nil }
        guard case .scalar(let scalar) = value else { throw fail(name, "expected a single value, not a \(ConfigurationFile.kindName(value))") }
        return scalar.string
    }

    func required(_ name: String, _ what: String) throws -> String {
        guard let text = try string(name), !text.isEmpty else { throw fail(name, "required: \(what)") }
        return text
    }

    func int(_ name: String, minimum: Int = 0) throws -> Int? {
        guard let text = try string(name) else { return nil }
        return try ConfigurationFile.count(text, { fail(name, $0) }, minimum: minimum)
    }

    func double(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = try string(name) else { return nil }
        guard let value = Double(text), range.contains(value) else {
            throw fail(name, "expected a number from \(Int(range.lowerBound)) to \(Int(range.upperBound)), got '\(text)'")
        }
        return value
    }

    func bool(_ name: String) throws -> Bool? {
        guard let text = try string(name) else { return nil }
        return try ConfigurationFile.boolean(text) { fail(name, $0) }
    }

    func duration(_ name: String) throws -> Duration? {
        guard let text = try string(name) else { return nil }
        return try ConfigurationFile.duration(text) { fail(name, $0) }
    }

    func list(_ name: String) throws -> [Yams.Node]? {
        guard let value = fields[name] else { return nil }
        guard case .sequence(let items) = value else { throw fail(name, "expected a list") }
        return Array(items)
    }

    func strings(_ name: String) throws -> [String]? {
        guard let items = try list(name) else { return nil }
        return try items.map { item in
            guard case .scalar(let scalar) = item, !scalar.string.isEmpty else { throw fail(name, "expected a list of names") }
            return scalar.string
        }
    }

    func map(_ name: String) throws -> [String: String]? {
        guard let value = fields[name] else { return nil }
        guard case .mapping(let mapping) = value else { throw fail(name, "expected a mapping of key: value") }
        var result: [String: String] = [:]
        for (key, item) in mapping {
            guard let k = key.scalar?.string, case .scalar(let v) = item else { throw fail(name, "expected a mapping of key: value") }
            result[k] = v.string
        }
        return result
    }
}
