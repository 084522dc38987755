import NavarchCore
import Testing

@Suite struct NaturalOrderTests {
    @Test func numbersSortAsNumbers() {
        let names = ["pool-10", "pool-9", "pool-1", "pool-100", "pool-02", "a", "pool-2", "pool-", "b-1"]
        #expect(names.sorted(by: NaturalOrder.precedes) == ["a", "b-1", "pool-", "pool-1", "pool-02", "pool-2", "pool-9", "pool-10", "pool-100"])
    }

    @Test func isAStrictTotalOrder() {
        let names = ["x1y2", "x1y10", "x01y2", "x1", "x", "x1y", "10", "9", "09", "", "x1y2z"]
        for a in names {
            #expect(!NaturalOrder.precedes(a, a))
            for b in names where a != b {
                #expect(NaturalOrder.precedes(a, b) != NaturalOrder.precedes(b, a), "\(a) vs \(b)")
                for c in names where NaturalOrder.precedes(a, b) && NaturalOrder.precedes(b, c) {
                    #expect(NaturalOrder.precedes(a, c), "\(a) < \(b) < \(c)")
                }
            }
        }
    }
}
