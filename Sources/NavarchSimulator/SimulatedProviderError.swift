import NavarchCore

/// How a simulated provider refuses a call, as a real one would: throttled (429), failed on its
/// side (500), or out of capacity in every zone it may use. The brain reads the last as a
/// capacity error, so it fails the pool over and backs off as it does against a real cloud.
struct SimulatedProviderError: Error, CapacityError, CustomStringConvertible, Sendable {
    enum Kind: String, Sendable { case throttled, serverError, capacity }
    let kind: Kind
    let provider: String
    let detail: String

    var isInsufficientCapacity: Bool { kind == .capacity }

    var description: String {
        switch kind {
        case .throttled: "\(provider) answered 429 Too Many Requests"
        case .serverError: "\(provider) answered 500 Internal Server Error"
        case .capacity: "\(provider) has no capacity: \(detail)"
        }
    }
}
