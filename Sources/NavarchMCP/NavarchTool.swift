import MCP

/// One of Navarch's MCP tools: its name, what it does, the JSON schema of its arguments and
/// its MCP annotations. A tool that changes the fleet takes `confirm`: without it the call
/// changes nothing and says what it would do.
struct NavarchTool: Sendable {
    let name: String
    let title: String
    let description: String
    let properties: [String: Value]
    let required: [String]
    let readOnly: Bool
    let destructive: Bool
    let idempotent: Bool

    init(
        _ name: String, title: String, _ description: String, properties: [String: Value] = [:], required: [String] = [],
        readOnly: Bool = false, destructive: Bool = false, idempotent: Bool = false
    ) {
        var properties = properties
        if !readOnly {
            properties["confirm"] = .object([
                "type": "boolean",
                "description": "true to act; without it nothing changes and the answer says what would happen (nodes, instances, hourly cost).",
            ])
        }
        self.name = name
        self.title = title
        self.description = description
        self.properties = properties
        self.required = required
        self.readOnly = readOnly
        self.destructive = destructive
        self.idempotent = idempotent
    }

    var definition: Tool {
        Tool(
            name: name, title: title, description: description,
            inputSchema: .object([
                "type": "object",
                "properties": .object(properties),
                "required": .array(required.map { .string($0) }),
                "additionalProperties": false,
            ]),
            annotations: .init(title: title, readOnlyHint: readOnly, destructiveHint: destructive, idempotentHint: idempotent, openWorldHint: false))
    }

    static func string(_ description: String) -> Value { .object(["type": "string", "description": .string(description)]) }
    static func integer(_ description: String, minimum: Int? = nil) -> Value {
        var schema: [String: Value] = ["type": "integer", "description": .string(description)]
        if let minimum { schema["minimum"] = .int(minimum) }
        return .object(schema)
    }
    static func boolean(_ description: String) -> Value { .object(["type": "boolean", "description": .string(description)]) }
    static func oneOf(_ values: [String], _ description: String) -> Value {
        .object(["type": "string", "enum": .array(values.map { .string($0) }), "description": .string(description)])
    }
}
