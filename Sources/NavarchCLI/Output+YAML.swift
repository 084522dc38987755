import Foundation
import Yams

extension Output {
    /// The value as JSON or as YAML (the same fields, the same dates).
    static func render<T: Encodable>(_ format: OutputFormat, _ value: T) throws -> String {
        let json = try self.json(value)
        guard format == .yaml else { return json }
        let document = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        return try Yams.dump(object: document, sortKeys: true).trimmingCharacters(in: .newlines)
    }
}
