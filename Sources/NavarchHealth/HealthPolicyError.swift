/// A problem in a health policy document, naming the key and the line.
public struct HealthPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Dotted path of the key, for example `rules[2].match.window`.
    public let key: String
    public let line: Int?
    public let problem: String

    public init(key: String, line: Int?, problem: String) {
        self.key = key
        self.line = line
        self.problem = problem
    }

    public var description: String { key.isEmpty ? problem : "\(key): \(problem)" }
}
