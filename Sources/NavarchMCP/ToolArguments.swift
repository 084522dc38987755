import MCP
import NavarchCore

/// A tool call's arguments, read by name and type against the tool's schema: a missing field,
/// a wrong type or an unknown argument is a ``ToolError`` that names it.
struct ToolArguments {
    private let values: [String: Value]
    private let known: Set<String>

    init(_ values: [String: Value]?, tool: NavarchTool) throws {
        self.values = values ?? [:]
        known = Set(tool.properties.keys)
        if let unknown = self.values.keys.sorted().first(where: { !known.contains($0) }) {
            throw ToolError("unknown argument '\(unknown)'; \(tool.name) takes \(known.sorted().joined(separator: ", "))")
        }
    }

    func string(_ name: String) throws -> String? {
        guard let value = values[name], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw ToolError("\(name) must be a string, got \(value)") }
        return text
    }

    func requiredString(_ name: String) throws -> String {
        guard let text = try string(name), !text.isEmpty else { throw ToolError("\(name) is required") }
        return text
    }

    func int(_ name: String) throws -> Int? {
        guard let value = values[name], !value.isNull else { return nil }
        if let number = value.intValue { return number }
        if let number = value.doubleValue, number.rounded() == number, abs(number) < 1e15 { return Int(number) }
        throw ToolError("\(name) must be a whole number, got \(value)")
    }

    func requiredInt(_ name: String) throws -> Int {
        guard let number = try int(name) else { throw ToolError("\(name) is required") }
        return number
    }

    func bool(_ name: String) throws -> Bool {
        guard let value = values[name], !value.isNull else { return false }
        guard let flag = value.boolValue else { throw ToolError("\(name) must be true or false, got \(value)") }
        return flag
    }

    func enumeration<Value: RawRepresentable & CaseIterable>(_ name: String, _ type: Value.Type) throws -> Value? where Value.RawValue == String {
        guard let text = try string(name), !text.isEmpty else { return nil }
        guard let value = Value(rawValue: text) else {
            throw ToolError("\(name) '\(text)' is not one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}

/// A tool call the fleet refused or could not read: answered as a tool error, never a crash.
struct ToolError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
