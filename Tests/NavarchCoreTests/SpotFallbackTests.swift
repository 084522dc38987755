import NavarchCore
import Testing

@Suite struct SpotFallbackTests {
    @Test func onlyASpotCapacityErrorTheFallbackAllowsGoesOnDemandOnce() {
        let capacity = NavarchError(.capacity, "no spot capacity")
        #expect(SpotFallback.retryOnDemand(after: capacity, spotRequested: true, poolAllows: true, askedOnDemandAlready: false))
        #expect(!SpotFallback.retryOnDemand(after: capacity, spotRequested: true, poolAllows: true, askedOnDemandAlready: true), "once")
        #expect(!SpotFallback.retryOnDemand(after: capacity, spotRequested: true, poolAllows: false, askedOnDemandAlready: false))
        #expect(!SpotFallback.retryOnDemand(after: capacity, spotRequested: false, poolAllows: true, askedOnDemandAlready: false))
        #expect(!SpotFallback.retryOnDemand(after: NavarchError(.unavailable, "500"), spotRequested: true, poolAllows: true, askedOnDemandAlready: false),
                "a server error is not a lack of capacity")
    }
}
