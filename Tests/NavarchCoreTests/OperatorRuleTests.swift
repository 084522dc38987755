import Foundation
import NavarchCore
import Testing

@Suite struct UncordonRuleTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func node(_ state: NodeState, health: HealthStatus = .healthy, repairing: Bool = false) -> Node {
        var node = Node(id: "n-1", pool: "p", instanceID: "i-1", provider: "fake", state: state, health: health, registeredAt: now)
        if repairing {
            let cause = NodeRemediation.Cause(requested: .resetGPU, reason: "XID 48")
            node.remediation = NodeRemediation(repair: .init(action: .resetGPU, gpuIndex: 0, commandID: "c", startedAt: now, cause: cause))
        }
        return node
    }

    @Test func aHealthyCordonedNodeGoesBack() throws {
        #expect(try UncordonRule.check(node(.cordoned), condemnedReason: nil, force: false) == false)
    }

    @Test func anUnvalidatedNodeGoesBackOnlyWhenForced() throws {
        #expect(throws: NavarchError.self) { try UncordonRule.check(node(.unhealthy, health: .unhealthy), condemnedReason: nil, force: false) }
        #expect(try UncordonRule.check(node(.unhealthy, health: .unhealthy), condemnedReason: nil, force: true) == true)
        do {
            _ = try UncordonRule.check(node(.cordoned, repairing: true), condemnedReason: nil, force: false)
            Issue.record("a node under repair went back")
        } catch {
            #expect(error.message.contains("a reset_gpu is under way") && error.message.contains("uncordon --force"), "\(error.message)")
        }
    }

    @Test func aNodeBeingReplacedOrRepairedNeverGoesBack() {
        #expect(throws: NavarchError.self) { try UncordonRule.check(node(.cordoned), condemnedReason: "XID 79", force: true) }
        #expect(throws: NavarchError.self) { try UncordonRule.check(node(.repairing, repairing: true), condemnedReason: nil, force: true) }
    }
}

@Suite struct DiagnosticOutcomeTests {
    func command(returnToService: Bool = true, validation: Bool = false) -> NodeCommand {
        var parameters = ["suite": "dcgm", "level": "2", "return_to_service": returnToService ? "true" : "false"]
        if validation { parameters["validation"] = "reset_gpu" }
        return NodeCommand(id: "c", nodeID: "n", kind: .runDiagnostic, reason: "diagnostic dcgm level 2", issuedAt: Date(), parameters: parameters)
    }

    @Test func passesAndFailures() {
        #expect(DiagnosticOutcome.decide(command(), passed: true, message: "ok", nodeState: .diagnosing, repairUnderWay: false) == .returnToService)
        #expect(DiagnosticOutcome.decide(command(returnToService: false), passed: true, message: "ok", nodeState: .diagnosing, repairUnderWay: false) == .stayCordoned)
        #expect(DiagnosticOutcome.decide(command(), passed: false, message: "memory test failed", nodeState: .diagnosing, repairUnderWay: false)
            == .markUnhealthy(reason: "diagnostic dcgm level 2 failed: memory test failed"))
        #expect(DiagnosticOutcome.decide(command(), passed: true, message: "ok", nodeState: .active, repairUnderWay: false) == .recordOnly)
    }

    @Test func aValidationGoesToTheLadder() {
        #expect(DiagnosticOutcome.decide(command(validation: true), passed: false, message: "x", nodeState: .diagnosing, repairUnderWay: true) == .repairValidated(passed: false))
        #expect(DiagnosticOutcome.decide(command(validation: true), passed: true, message: "x", nodeState: .diagnosing, repairUnderWay: false) == .returnToService,
                "a validation whose repair is gone is an ordinary diagnostic")
    }
}
