import Foundation
import NavarchCore
import Testing

/// The circuit breaker as a pure state machine, with plain dates for a clock.
struct CircuitBreakerTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func moreThanTheShareUnhealthyWithinTheWindowOpensIt() {
        var breaker = CircuitBreaker(scope: "pool train")
        #expect(breaker.nodeTurnedUnhealthy("train-0", at: start, nodes: 10) == nil)
        #expect(breaker.nodeTurnedUnhealthy("train-1", at: start + 60, nodes: 10) == nil, "20% is not more than 20%")
        #expect(breaker.allowsTermination)
        let opened = breaker.nodeTurnedUnhealthy("train-2", at: start + 120, nodes: 10)
        #expect(opened == .open(since: start + 120, reason: "3 of 10 nodes of pool train (30%) turned unhealthy within 10m, more than 20%"))
        #expect(!breaker.allowsTermination)
        #expect(breaker.nodeTurnedUnhealthy("train-3", at: start + 130, nodes: 10) == nil, "already open: no second trip")
        let wasOpen = breaker.reset()
        #expect(wasOpen)
        #expect(breaker.allowsTermination)
        let wasOpenAgain = breaker.reset()
        #expect(!wasOpenAgain, "closed already")
    }

    @Test func failuresSpreadOverTimeDoNotOpenIt() {
        var breaker = CircuitBreaker(scope: "pool train", settings: .init(window: .seconds(600)))
        for index in 0..<6 {
            #expect(breaker.nodeTurnedUnhealthy("train-\(index)", at: start + Double(index) * 700, nodes: 10) == nil)
        }
        #expect(breaker.allowsTermination)
    }

    @Test func smallPoolsDoNotTripOnShareAlone() {
        var breaker = CircuitBreaker(scope: "pool tiny")
        #expect(breaker.nodeTurnedUnhealthy("tiny-0", at: start, nodes: 3) == nil)
        #expect(breaker.allowsTermination)
    }

    @Test func aZoneGoingSilentOpensIt() {
        var breaker = CircuitBreaker(scope: "fleet")
        #expect(breaker.groupWentSilent("zone us-east-1a", nodes: 1, at: start) == nil, "one silent node is that node's problem")
        #expect(breaker.groupWentSilent("zone us-east-1a", nodes: 4, at: start) == .open(since: start, reason: "all 4 nodes of zone us-east-1a went silent at once"))
    }
}
