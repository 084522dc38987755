import Foundation
import Hummingbird

/// A request's query parameters, read by name and type: a value of the wrong type, or a
/// parameter the route does not take, is a 400 naming it.
final class Query {
    private let parameters: [String: String]
    private var read: Set<String> = []

    init(_ request: Request) {
        var parameters: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { parameters[String(name)] = String(value) }
        self.parameters = parameters
    }

    func string(_ name: String) -> String {
        read.insert(name)
        return parameters[name] ?? ""
    }

    func int32(_ name: String) throws -> Int32 {
        let text = string(name)
        guard !text.isEmpty else { return 0 }
        guard let value = Int32(text) else { throw APIError.badRequest("\(name) must be a whole number, got '\(text)'", field: name) }
        return value
    }

    func int64(_ name: String) throws -> Int64 {
        let text = string(name)
        guard !text.isEmpty else { return 0 }
        guard let value = Int64(text) else { throw APIError.badRequest("\(name) must be a whole number, got '\(text)'", field: name) }
        return value
    }

    func boolean(_ name: String) throws -> Bool {
        switch string(name) {
        case "", "false": return false
        case "true": return true
        case let text: throw APIError.badRequest("\(name) must be true or false, got '\(text)'", field: name)
        }
    }

    /// One of an enumeration's values by its name (`active`), nil when absent.
    func enumeration<Value: RawRepresentable & CaseIterable>(_ name: String, _ type: Value.Type) throws -> Value? where Value.RawValue == String {
        let text = string(name)
        guard !text.isEmpty else { return nil }
        guard let value = Value(rawValue: text) else {
            throw APIError.badRequest("\(name) '\(text)' is not one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))", field: name)
        }
        return value
    }

    /// Refuses a parameter nothing read.
    func refuseOthers() throws {
        if let unknown = parameters.keys.sorted().first(where: { !read.contains($0) }) {
            let known = read.sorted()
            throw APIError.badRequest(
                "unknown query parameter '\(unknown)'" + (known.isEmpty ? "; this route takes none" : "; this route takes \(known.joined(separator: ", "))"),
                field: unknown)
        }
    }
}
