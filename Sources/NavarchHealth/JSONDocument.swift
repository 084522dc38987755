import Foundation

/// Reads the JSON object in a tool's output, skipping any text the tool printed before it
/// (dcgmi can print warnings ahead of its JSON).
enum JSONDocument {
    static func object(in text: String, tool: String) throws -> [String: Any] {
        guard let start = text.firstIndex(of: "{") else { throw ToolOutputError(tool: tool, problem: "no JSON object in the output") }
        let body = Data(text[start...].utf8)
        let value: Any
        do { value = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) } catch {
            throw ToolOutputError(tool: tool, problem: "output is not valid JSON: \(error.localizedDescription)")
        }
        guard let object = value as? [String: Any] else { throw ToolOutputError(tool: tool, problem: "the JSON is not an object") }
        return object
    }

    static func int(_ value: Any?) -> Int? {
        if let number = value as? Int { return number }
        if let number = value as? Double { return Int(number) }
        if let text = value as? String { return Int(text) }
        return nil
    }
}
