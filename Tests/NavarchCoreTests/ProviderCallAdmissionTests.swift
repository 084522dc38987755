import Foundation
import NavarchCore
import Testing

@Suite struct ProviderCallAdmissionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func calls(_ count: Int, pool: String = "p", provider: String = "aws", _ operation: ProviderCallAdmission.Operation = .provision) -> [ProviderCallAdmission.Call] {
        (0..<count).map { .init(instanceID: "\(pool)-\(operation.rawValue)-\($0)", provider: provider, pool: pool, operation: operation) }
    }

    @Test func callsOverAPoolLimitWaitAndAreAnnouncedOnce() {
        var admission = ProviderCallAdmission(limits: RateLimits(provisionsPerProvider: 60, terminationsPerProvider: 60, provisionsPerPool: 3, terminationsPerPool: 3))
        let first = admission.admit(calls(5), at: now)
        #expect(first.admitted.map(\.instanceID) == ["p-provision-0", "p-provision-1", "p-provision-2"])
        #expect(first.deferred == [.init(pool: "p", provider: "aws", operation: .provision, count: 2, limit: "60/min per provider, 3/min per pool")])
        // Asked again before a token is back: still waiting, not announced again.
        let again = admission.admit(Array(calls(5).suffix(2)), at: now.addingTimeInterval(1))
        #expect(again.admitted.isEmpty && again.deferred.isEmpty)
        // A token comes back after a third of a minute (3 a minute).
        let token = try! #require(admission.nextToken(at: now.addingTimeInterval(1)))
        #expect(abs(token.timeIntervalSince(now) - 20) < 0.01)
        let later = admission.admit(Array(calls(5).suffix(2)), at: token)
        #expect(later.admitted.map(\.instanceID) == ["p-provision-3"])
    }

    @Test func terminationsAndOtherPoolsHaveTheirOwnTokens() {
        var admission = ProviderCallAdmission(limits: RateLimits(provisionsPerProvider: 2, terminationsPerProvider: 60, provisionsPerPool: 20, terminationsPerPool: 20))
        let result = admission.admit(calls(2, pool: "a") + calls(1, pool: "b") + calls(2, pool: "a", .terminate), at: now)
        #expect(result.admitted.map(\.instanceID) == ["a-provision-0", "a-provision-1", "a-terminate-0", "a-terminate-1"],
                "the provider's two provisions are spent by pool a; terminations are not limited by them")
        #expect(result.deferred.map(\.pool) == ["b"])
        #expect(admission.admit([], at: now).deferred.isEmpty)
        #expect(admission.nextToken(at: now) == nil, "a pass that defers nothing ends the wait")
    }
}
