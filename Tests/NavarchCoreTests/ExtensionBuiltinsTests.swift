import Foundation
import NavarchCore
import Synchronization
import Testing

@Suite struct ExtensionBuiltinsTests {
    let node = Node(id: "n", pool: "p", instanceID: "i", provider: "fake", registeredAt: Date(timeIntervalSince1970: 0))

    @Test func cordonAndReplaceFollowsTheVerdict() async throws {
        let remediator = CordonAndReplace()
        #expect(try remediator.remediate(node, result: .init(status: .unhealthy)) == .cordonAndReplace)
        #expect(try remediator.remediate(node, result: .init(status: .degraded)) == .alert)
        #expect(try remediator.remediate(node, result: .init(status: .healthy)) == .none)
    }

    @Test func firstAvailableKeepsTheGivenOrder() async throws {
        let type = try InstanceTypeCatalog.named("h100")
        let options = [ProvisionOption(provider: "b", instanceType: type), ProvisionOption(provider: "a", instanceType: type)]
        #expect(try FirstAvailable().choose(from: options)?.provider == "b")
        #expect(try FirstAvailable().choose(from: []) == nil)
    }

    struct CheapestFirst: Scheduler {
        func score(_ option: ProvisionOption, context: SchedulingContext) throws -> Double { option.provider == "cheap" ? 1 : 0 }
    }

    @Test func higherScoreWins() async throws {
        let type = try InstanceTypeCatalog.named("a100-80gb")
        let options = [ProvisionOption(provider: "dear", instanceType: type), ProvisionOption(provider: "cheap", instanceType: type)]
        #expect(try CheapestFirst().choose(from: options)?.provider == "cheap")
    }

    @Test func logNotifierWritesOneJSONLinePerEvent() async throws {
        let lines = Mutex<[String]>([])
        let notifier = LogNotifier { line in lines.withLock { $0.append(line) } }
        let event = FleetEvent(
            sequence: 7, time: Date(timeIntervalSince1970: 1_800_000_000), kind: "node.cordoned", nodeID: "demo-0", pool: "demo",
            message: "XID 79", attributes: ["actor": "navarch"])
        try await notifier.notify(event)
        #expect(lines.withLock { $0 } == [
            #"{"attributes":{"actor":"navarch"},"event":"node.cordoned","instance":"","message":"XID 79","node":"demo-0","pool":"demo","sequence":7,"severity":"warning","time":"2027-01-15T08:00:00.000Z"}"#
        ])
        let text = LogNotifier(style: .text) { line in lines.withLock { $0.append(line) } }
        try await text.notify(event)
        #expect(lines.withLock { $0.last } == "2027-01-15T08:00:00.000Z node.cordoned node=demo-0 pool=demo: XID 79")
    }

    @Test func repairBeforeReplaceFollowsThePolicysRequest() async throws {
        let node = Node(id: "n", pool: "p", instanceID: "", provider: "", registeredAt: Date())
        let remediator = RepairBeforeReplace()
        func observation(_ action: HealthAction, verdict: HealthStatus = .unhealthy) -> HealthObservation {
            HealthObservation(kind: "xid", code: 48, verdict: verdict, message: "", time: Date(), action: action)
        }
        #expect(try remediator.remediate(node, result: .init(status: .unhealthy, observations: [observation(.resetGPU)])) == .resetGPU)
        #expect(try remediator.remediate(node, result: .init(status: .unhealthy, observations: [observation(.resetGPU), observation(.reboot)])) == .reboot)
        #expect(try remediator.remediate(node, result: .init(status: .unhealthy, observations: [observation(.replace, verdict: .degraded), observation(.resetGPU)])) == .resetGPU, "only what made it unhealthy counts")
        #expect(try remediator.remediate(node, result: .init(status: .unhealthy)) == .cordonAndReplace, "silent: replace")
        #expect(try remediator.remediate(node, result: .init(status: .degraded)) == .alert)
        #expect(RemediationAction.resetGPU.ladderRung == .resetGPU && RemediationAction.cordon.ladderRung == nil)
    }

    @Test func catalogRoundsUpToWholeNodes() throws {
        let h100 = try InstanceTypeCatalog.named("H100")
        #expect(h100.gpusPerNode == 8)
        #expect(InstanceTypeCatalog.nodes(forGPUs: 16, of: h100) == 2)
        #expect(InstanceTypeCatalog.nodes(forGPUs: 9, of: h100) == 2)
        #expect(throws: NavarchError.self) { try InstanceTypeCatalog.named("h9000") }
    }

    @Test(arguments: ["", "-a", "a-", "Demo", "a_b", String(repeating: "a", count: 49)])
    func badPoolNamesAreRejected(_ name: String) {
        #expect(throws: NavarchError.self) { try Pool.validate(name: name) }
    }

    @Test func goodPoolNameIsAccepted() throws {
        try Pool.validate(name: "my-cluster-2")
    }
}
