import Foundation
import NavarchCore
import NavarchHealth
import Testing

/// The control plane's own judgment of what an agent reports.
struct ObservationJudgeTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func xid(_ code: Int, action: HealthAction, message: String = "") -> HealthObservation {
        HealthObservation(kind: "xid", code: code, gpuIndex: 0, verdict: .unhealthy, message: message, time: now, action: action, rule: "agent-rule")
    }

    @Test func theAgentsAdviceIsRecordedNotFollowed() {
        var judge = ObservationJudge(policy: .builtin)
        let judged = judge.judge([xid(13, action: .replace, message: "Graphics SM Warp Exception"), xid(79, action: .none)], node: "n", pool: "p", at: now)
        #expect(judged[0].advice == HealthObservation.Advice(verdict: .unhealthy, action: .replace, rule: "agent-rule"))
        #expect(judged[0].action != .replace && judged[0].verdict == .healthy)
        #expect(judged[1].action == .reboot && judged[1].verdict == .unhealthy && judged[1].rule == "xid-restart-bare-metal")
        let check = HealthObservation(kind: "check", code: 0, verdict: .unhealthy, message: "dcgm_health fail", time: now, action: .replace)
        #expect(judge.judge([check], node: "n", pool: "p", at: now) == [check], "what only the node measures keeps its verdict")
    }

    @Test func theNodesHealthFollowsTheJudgment() {
        var judge = ObservationJudge(policy: .builtin)
        let benign = judge.judge([xid(13, action: .replace, message: "Graphics SM Warp Exception")], node: "n", pool: "p", at: now)
        #expect(ObservationJudge.health(reported: .unhealthy, judged: benign, current: .healthy) == .healthy)
        #expect(ObservationJudge.health(reported: .unhealthy, judged: benign, current: .unhealthy) == .unhealthy, "earlier evidence stands")
        let fatal = judge.judge([xid(79, action: .none)], node: "m", pool: "p", at: now)
        #expect(ObservationJudge.health(reported: .healthy, judged: fatal, current: .healthy) == .unhealthy, "the stricter judgment wins")
        #expect(ObservationJudge.health(reported: .degraded, judged: [], current: .healthy) == .degraded, "no observation: the agent's word")
    }
}
