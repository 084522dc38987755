/// Whether a spot request that failed goes on-demand at the same provider, pure: only when the
/// provider had no spot capacity and the pool allows it (`spot_fallback: on-demand`), and only
/// once per instance; otherwise the failure fails the instance and the pool fails over.
public enum SpotFallback {
    /// - Parameter askedOnDemandAlready: the instance already fell back once.
    public static func retryOnDemand(after error: any Error, spotRequested: Bool, poolAllows: Bool, askedOnDemandAlready: Bool) -> Bool {
        guard spotRequested, poolAllows, !askedOnDemandAlready else { return false }
        return (error as? any CapacityError)?.isInsufficientCapacity == true
    }
}
