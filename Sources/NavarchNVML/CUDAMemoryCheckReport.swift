/// What `navarch-node --cuda-memory-check` prints: the results, or why the check could not run.
public struct CUDAMemoryCheckReport: Sendable, Codable, Equatable {
    public var results: [CUDAMemoryCheck.Result]
    public var failure: CUDAMemoryCheck.Failure?

    public init(results: [CUDAMemoryCheck.Result] = [], failure: CUDAMemoryCheck.Failure? = nil) {
        self.results = results
        self.failure = failure
    }
}
