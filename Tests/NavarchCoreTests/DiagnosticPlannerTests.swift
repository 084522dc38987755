import Foundation
import NavarchCore
import Testing

@Suite struct DiagnosticPlannerTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let weekly = DiagnosticSchedule(pool: "train", suite: "dcgm", level: 2, every: .seconds(7 * 86_400))

    func node(_ id: String, pool: String = "train", state: NodeState = .active, health: HealthStatus = .healthy, registered: TimeInterval = 0, last: TimeInterval? = nil) -> Node {
        var node = Node(id: id, pool: pool, instanceID: "i-\(id)", provider: "fake", state: state, health: health, registeredAt: start.addingTimeInterval(registered))
        node.lastDiagnostics = last.map { ["dcgm": start.addingTimeInterval($0)] }
        return node
    }

    @Test func nothingIsDueBeforeThePeriod() {
        let nodes = [node("a"), node("b")]
        #expect(DiagnosticPlanner.due(schedules: [weekly], nodes: nodes, now: start.addingTimeInterval(86_400)).isEmpty)
    }

    @Test func oneNodeAtATimeTheLongestWaitingFirst() {
        let nodes = [node("a", last: 3_000), node("b", registered: 1_000), node("c", pool: "other")]
        let now = start.addingTimeInterval(8 * 86_400)
        #expect(DiagnosticPlanner.due(schedules: [weekly], nodes: nodes, now: now).map(\.nodeID) == ["b"])
        var two = weekly
        two.maxConcurrent = 2
        #expect(DiagnosticPlanner.due(schedules: [two], nodes: nodes, now: now).map(\.nodeID) == ["b", "a"])
    }

    @Test func nodesOutOfServiceUseTheSlotsAndAreNotTaken() {
        let nodes = [node("a", state: .diagnosing), node("b"), node("c", health: .degraded), node("d", state: .cordoned)]
        let now = start.addingTimeInterval(8 * 86_400)
        #expect(DiagnosticPlanner.due(schedules: [weekly], nodes: nodes, now: now).isEmpty)
        var two = weekly
        two.maxConcurrent = 2
        #expect(DiagnosticPlanner.due(schedules: [two], nodes: nodes, now: now).map(\.nodeID) == ["b"])
    }

    @Test func aNodeRunsOneScheduleAtATime() {
        let monthlyFabric = DiagnosticSchedule(pool: "train", suite: "nccl", level: 1, every: .seconds(30 * 86_400), maxConcurrent: 4)
        var two = weekly
        two.maxConcurrent = 4
        let decisions = DiagnosticPlanner.due(schedules: [two, monthlyFabric], nodes: [node("a"), node("b")], now: start.addingTimeInterval(40 * 86_400))
        #expect(decisions.map(\.nodeID) == ["a", "b"])
        #expect(decisions.allSatisfy { $0.schedule.suite == "dcgm" })
    }
}
