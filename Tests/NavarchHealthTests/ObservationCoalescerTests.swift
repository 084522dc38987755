import Foundation
import NavarchCore
import NavarchHealth
import Testing

@Suite struct ObservationCoalescerTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func xid(_ code: Int, _ address: String = "0000:18:00", at offset: TimeInterval, message: String = "x") -> HealthObservation {
        HealthObservation(kind: "xid", code: code, pciAddress: address, gpuIndex: 0, verdict: .degraded, message: message, time: start.addingTimeInterval(offset))
    }

    @Test func firstOfABurstGoesAtOnceRepeatsAreCounted() {
        var coalescer = ObservationCoalescer(window: 5)
        #expect(coalescer.offer(xid(94, at: 0), at: start) != nil)
        for second in 1...4 {
            #expect(coalescer.offer(xid(94, at: Double(second), message: "ch \(second)"), at: start.addingTimeInterval(Double(second))) == nil)
        }
        #expect(coalescer.hasPending)
        #expect(coalescer.flush(at: start.addingTimeInterval(4.9)).isEmpty)
        let released = coalescer.flush(at: start.addingTimeInterval(5))
        #expect(released.count == 1)
        #expect(released.first?.count == 4)
        #expect(released.first?.message == "ch 4")
        #expect(!coalescer.hasPending)
        #expect(coalescer.offer(xid(94, at: 6), at: start.addingTimeInterval(6)) != nil, "a new burst after the window")
    }

    @Test func differentCodesOrGPUsAreSeparateBursts() {
        var coalescer = ObservationCoalescer(window: 5)
        #expect(coalescer.offer(xid(94, at: 0), at: start) != nil)
        #expect(coalescer.offer(xid(95, at: 0), at: start) != nil)
        #expect(coalescer.offer(xid(94, "0000:2a:00", at: 0), at: start) != nil)
        #expect(!coalescer.hasPending)
    }

    @Test func aFloodBecomesTwoObservations() {
        var coalescer = ObservationCoalescer(window: 5)
        var reported = 0
        var total = 0
        for index in 0..<10_000 {
            let now = start.addingTimeInterval(Double(index) * 0.0001)
            if let observation = coalescer.offer(xid(13, at: Double(index) * 0.0001), at: now) {
                reported += 1
                total += observation.count
            }
        }
        for observation in coalescer.flush(at: start.addingTimeInterval(10)) {
            reported += 1
            total += observation.count
        }
        #expect(reported == 2)
        #expect(total == 10_000, "nothing is lost: the count carries every line")
    }
}
