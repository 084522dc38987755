import Foundation
import NavarchCore
import NavarchTesting
import Testing

@Suite struct HeartbeatTrackerTests {
    let clock = ManualClock()

    @Test func silentNodeExpiresAfterThreeIntervalsOnce() {
        var tracker = HeartbeatTracker(interval: .seconds(5), missedBeforeUnhealthy: 3)
        tracker.watch("a", at: clock.now)
        tracker.watch("b", at: clock.now)
        clock.advance(by: .seconds(14))
        tracker.record("b", at: clock.now)
        #expect(tracker.expired(at: clock.now).isEmpty)
        clock.advance(by: .seconds(1))
        #expect(tracker.expired(at: clock.now) == ["a"])
        #expect(tracker.expired(at: clock.now).isEmpty, "a node is reported once")
        clock.advance(by: .seconds(14))
        #expect(tracker.expired(at: clock.now) == ["b"])
    }

    @Test func heartbeatAfterExpiryRearms() {
        var tracker = HeartbeatTracker(interval: .seconds(1), missedBeforeUnhealthy: 3)
        tracker.watch("a", at: clock.now)
        clock.advance(by: .seconds(3))
        #expect(tracker.expired(at: clock.now) == ["a"])
        tracker.record("a", at: clock.now)
        clock.advance(by: .seconds(3))
        #expect(tracker.expired(at: clock.now) == ["a"])
    }

    @Test func staleHeartbeatDoesNotMoveTimeBack() {
        var tracker = HeartbeatTracker(interval: .seconds(1), missedBeforeUnhealthy: 3)
        tracker.watch("a", at: clock.now)
        tracker.record("a", at: clock.now.addingTimeInterval(-10))
        #expect(tracker.lastHeartbeat(of: "a") == clock.now)
    }

    @Test func forgottenNodesNeverExpire() {
        var tracker = HeartbeatTracker(interval: .seconds(1), missedBeforeUnhealthy: 3)
        tracker.watch("a", at: clock.now)
        tracker.forget("a")
        clock.advance(by: .seconds(60))
        #expect(tracker.expired(at: clock.now).isEmpty)
        #expect(tracker.nextDeadline() == nil)
    }

    @Test func nextDeadlineIsTheEarliest() {
        var tracker = HeartbeatTracker(interval: .seconds(2), missedBeforeUnhealthy: 3)
        let start = clock.now
        tracker.watch("a", at: start)
        tracker.watch("b", at: start.addingTimeInterval(1))
        #expect(tracker.nextDeadline() == start.addingTimeInterval(6))
    }
}
