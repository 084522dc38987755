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

    /// A lease stands for a heartbeat every interval until its end: the node expires a timeout
    /// after the lease, and its last heartbeat is "now" until then.
    @Test func aLeaseExpiresATimeoutAfterItsEnd() {
        var tracker = HeartbeatTracker(interval: .seconds(5), missedBeforeUnhealthy: 3)
        let start = clock.now
        tracker.record("a", at: start, heardUntil: start.addingTimeInterval(3600))
        #expect(tracker.nextDeadline() == start.addingTimeInterval(3615))
        #expect(tracker.expired(at: start.addingTimeInterval(3614)).isEmpty)
        #expect(tracker.lastHeartbeat(of: "a", at: start.addingTimeInterval(100)) == start.addingTimeInterval(100))
        #expect(tracker.lastHeartbeat(of: "a", at: start.addingTimeInterval(4000)) == start.addingTimeInterval(3600))
        #expect(tracker.expired(at: start.addingTimeInterval(3615)) == ["a"])
        // An ordinary heartbeat ends the lease.
        tracker.record("a", at: start.addingTimeInterval(3700))
        #expect(tracker.lastHeartbeat(of: "a", at: start.addingTimeInterval(3710)) == start.addingTimeInterval(3700))
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
        #expect(tracker.lastHeartbeat(of: "a", at: clock.now) == clock.now)
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
