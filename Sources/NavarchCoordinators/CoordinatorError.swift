/// A workload scheduler refused or could not be reached.
public struct CoordinatorError: Error, CustomStringConvertible, Equatable {
    public var coordinator: String
    public var problem: String

    public init(_ coordinator: String, _ problem: String) {
        self.coordinator = coordinator
        self.problem = problem
    }

    public var description: String { "\(coordinator): \(problem)" }
}
