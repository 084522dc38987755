/// An error that says a provider has no capacity for a request where it was made: the
/// provisioner tries the next provider of the pool instead of the same one again.
public protocol CapacityError: Error {
    var isInsufficientCapacity: Bool { get }
}

extension NavarchError: CapacityError {
    public var isInsufficientCapacity: Bool { code == .capacity }
}
