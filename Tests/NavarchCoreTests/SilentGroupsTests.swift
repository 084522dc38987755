import Foundation
import NavarchCore
import Testing

@Suite struct SilentGroupsTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func node(_ id: String, provider: String, zone: String) -> Node {
        Node(id: id, pool: "p", instanceID: "i-\(id)", provider: provider, registeredAt: now, labels: ["topology.zone": zone])
    }

    @Test func aGroupIsSilentOnlyWhenEveryNodeIs() {
        let nodes = [node("a", provider: "aws", zone: "us-east-1a"), node("b", provider: "aws", zone: "us-east-1b"),
                     node("c", provider: "gcp", zone: "us-east-1a"), node("d", provider: "gcp", zone: "us-east-1b")]
        let heard: [String: Date] = ["a": now.addingTimeInterval(-20), "b": now.addingTimeInterval(-20), "c": now.addingTimeInterval(-20), "d": now]
        let groups = SilentGroups.find(nodes: nodes, lastHeartbeat: { heard[$0] }, timeout: 15, now: now)
        #expect(groups == [.init(name: "provider aws", nodes: ["a", "b"]), .init(name: "zone us-east-1a", nodes: ["a", "c"])])
    }

    @Test func oneSilentNodeIsNoGroupAndANeverHeardNodeIsNotSilent() {
        let heard: [String: Date] = ["a": now.addingTimeInterval(-20)]
        #expect(SilentGroups.find(nodes: [node("a", provider: "aws", zone: "z")], lastHeartbeat: { heard[$0] }, timeout: 15, now: now).isEmpty)
        #expect(SilentGroups.find(nodes: [node("a", provider: "aws", zone: "z"), node("b", provider: "aws", zone: "z")],
                                  lastHeartbeat: { heard[$0] }, timeout: 15, now: now).isEmpty)
    }
}
