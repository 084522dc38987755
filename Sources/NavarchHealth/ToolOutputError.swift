/// A GPU tool printed something its parser cannot read; names the tool and what was wrong.
public struct ToolOutputError: Error, Sendable, Equatable, CustomStringConvertible {
    public let tool: String
    public let problem: String

    public init(tool: String, problem: String) {
        self.tool = tool
        self.problem = problem
    }

    public var description: String { "\(tool): \(problem)" }
}
