/// A problem in `navarch.yaml`, naming the key and the line.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let key: String
    public let line: Int?
    public let problem: String

    public init(file: String, key: String, line: Int?, problem: String) {
        self.file = file
        self.key = key
        self.line = line
        self.problem = problem
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(location): \(problem)" : "\(location): \(key): \(problem)"
    }
}
