import Foundation

/// Decides which nodes run a scheduled diagnostic now. Pure: schedules, nodes and the time in,
/// nodes to diagnose out.
///
/// A node is due when the schedule's period has passed since it last ran that suite (or since it
/// registered: boot checks cover new machines). Only active, healthy nodes are taken, the ones
/// waiting longest first, and never more at once than the schedule allows counting the pool's
/// nodes already out of service (draining, drained, diagnosing).
public enum DiagnosticPlanner {
    public struct Decision: Sendable, Equatable {
        public var nodeID: String
        public var schedule: DiagnosticSchedule
    }

    public static func due(schedules: [DiagnosticSchedule], nodes: [Node], now: Date) -> [Decision] {
        var decisions: [Decision] = []
        var taken = Set<String>()
        for schedule in schedules {
            let pool = nodes.filter { $0.pool == schedule.pool }
            let outOfService = pool.filter { [.draining, .drained, .diagnosing].contains($0.state) }.count
                + decisions.filter { $0.schedule.pool == schedule.pool }.count
            let slots = schedule.maxConcurrent - outOfService
            guard slots > 0 else { continue }
            let period = schedule.every.timeInterval
            var candidates: [(id: String, since: Date)] = []
            for node in pool where node.state == .active && node.health == .healthy && !taken.contains(node.id) {
                let since = node.lastDiagnostics?[schedule.suite] ?? node.registeredAt
                if now.timeIntervalSince(since) >= period { candidates.append((node.id, since)) }
            }
            candidates.sort { $0.since != $1.since ? $0.since < $1.since : $0.id < $1.id }
            for candidate in candidates.prefix(slots) {
                taken.insert(candidate.id)
                decisions.append(Decision(nodeID: candidate.id, schedule: schedule))
            }
        }
        return decisions
    }
}
