import Foundation
import NavarchCore
import Testing

@Suite struct DeadlineQueueTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func dueKeysComeEarliestFirstWithTiesOnTheKey() {
        var queue = DeadlineQueue<String>()
        queue.schedule("c", at: start.addingTimeInterval(2))
        queue.schedule("b", at: start.addingTimeInterval(1))
        queue.schedule("a", at: start.addingTimeInterval(2))
        #expect(queue.nextDeadline() == start.addingTimeInterval(1))
        #expect(queue.popDue(at: start.addingTimeInterval(0.5)).isEmpty)
        #expect(queue.popDue(at: start.addingTimeInterval(2)) == ["b", "a", "c"])
        #expect(queue.isEmpty && queue.nextDeadline() == nil)
    }

    @Test func movedAndCancelledDeadlinesAreSkipped() {
        var queue = DeadlineQueue<String>()
        queue.schedule("a", at: start.addingTimeInterval(1))
        queue.schedule("b", at: start.addingTimeInterval(2))
        queue.schedule("a", at: start.addingTimeInterval(5))
        queue.cancel("b")
        #expect(queue.count == 1)
        #expect(queue.nextDeadline() == start.addingTimeInterval(5))
        #expect(queue.popDue(at: start.addingTimeInterval(4)).isEmpty)
        #expect(queue.popDue(at: start.addingTimeInterval(5)) == ["a"])
    }

    /// Against a plain dictionary over seeded random operations: the same due keys, in the
    /// same order, and the same next deadline, every step.
    @Test func agreesWithAReferenceModel() {
        var random = SeededRandom(seed: 42)
        var queue = DeadlineQueue<Int>()
        var model: [Int: Date] = [:]
        var now = start
        for _ in 0..<5_000 {
            let key = Int.random(in: 0..<200, using: &random)
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<6:
                let deadline = now.addingTimeInterval(Double(Int.random(in: 0..<100, using: &random)))
                queue.schedule(key, at: deadline)
                model[key] = deadline
            case 6:
                queue.cancel(key)
                model[key] = nil
            default:
                now = now.addingTimeInterval(Double(Int.random(in: 0..<20, using: &random)))
                let expected = model.filter { $0.value <= now }.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map(\.key)
                for key in expected { model[key] = nil }
                #expect(queue.popDue(at: now) == expected)
            }
            #expect(queue.nextDeadline() == model.values.min())
            #expect(queue.count == model.count)
        }
    }
}
