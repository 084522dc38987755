/// A lifecycle event that is not allowed in the current state.
public struct IllegalTransition: Error, Sendable, Equatable, CustomStringConvertible {
    public let subject: String
    public let from: String
    public let event: String

    public init(subject: String, from: String, event: String) {
        self.subject = subject
        self.from = from
        self.event = event
    }

    public var description: String { "\(subject) cannot \(event) while \(from)" }
}
