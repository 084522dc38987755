import Foundation
import NavarchCore

/// The simulator's discrete-event queue: what happens next in virtual time, earliest first,
/// and among events at the same time, the one scheduled first. Nothing sleeps: the simulation
/// pops the next event and jumps its clock there. Built on the brain's ``DeadlineQueue``, keyed
/// by the order of scheduling so that ties keep that order.
public struct EventQueue<Event: Sendable>: Sendable {
    private var deadlines = DeadlineQueue<UInt64>()
    private var events: [UInt64: (time: Double, event: Event)] = [:]
    /// Events taken from `deadlines` at the earliest time, in order, not yet popped.
    private var due: [UInt64] = []
    private var dueIndex = 0
    private var scheduled: UInt64 = 0

    public init() {}

    public var isEmpty: Bool { events.isEmpty }
    public var count: Int { events.count }

    /// When the next event happens, if any.
    public mutating func nextTime() -> Double? {
        if dueIndex < due.count { return events[due[dueIndex]]?.time }
        return deadlines.nextDeadline().map { $0.timeIntervalSinceReferenceDate }
    }

    /// Schedules `event` at `time` seconds since the start.
    public mutating func schedule(_ event: Event, at time: Double) {
        precondition(time.isFinite, "an event needs a finite time")
        events[scheduled] = (time, event)
        deadlines.schedule(scheduled, at: Date(timeIntervalSinceReferenceDate: time))
        scheduled += 1
    }

    /// Takes the earliest event.
    public mutating func pop() -> (time: Double, event: Event)? {
        if dueIndex == due.count {
            guard let next = deadlines.nextDeadline() else { return nil }
            due = deadlines.popDue(at: next)
            dueIndex = 0
        }
        let key = due[dueIndex]
        dueIndex += 1
        return events.removeValue(forKey: key)
    }
}
