import Foundation
import NavarchCore
import Testing

@Suite struct ProvisioningGuardTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func backoffDoublesUpToItsCap() {
        let guarding = ProvisioningGuard(settings: .init(baseBackoff: .seconds(5), maxBackoff: .seconds(60), breakerAfter: 3))
        #expect((0...6).map { guarding.backoff(afterFailures: $0) } == [0, 5, 10, 20, 40, 60, 60])
        #expect(guarding.backoff(afterFailures: 10_000) == 60, "no overflow however long it fails")
    }

    @Test func breakerOpensAfterConsecutiveMachinesThatNeverRegistered() {
        var guarding = ProvisioningGuard(settings: .init(baseBackoff: .seconds(5), maxBackoff: .seconds(1800), breakerAfter: 3))
        #expect(guarding.allowance(pool: "p") == .unlimited)
        #expect(guarding.instanceFailed(pool: "p", neverRegistered: true, reason: "did not register", at: start) == nil)
        #expect(guarding.allowance(pool: "p") == .init(notBefore: start.addingTimeInterval(5), maxUnregistered: 2))
        // A provision error backs off further but is not a machine that failed to come up.
        #expect(guarding.instanceFailed(pool: "p", neverRegistered: false, reason: "500", at: start) == nil)
        #expect(guarding.allowance(pool: "p") == .init(notBefore: start.addingTimeInterval(10), maxUnregistered: 2))
        #expect(guarding.instanceFailed(pool: "p", neverRegistered: true, reason: "did not register", at: start) == nil)
        let opened = guarding.instanceFailed(pool: "p", neverRegistered: true, reason: "did not register within 10 s", at: start)
        #expect(opened?.contains("3 machine(s) of pool p in a row never registered") == true, "\(opened ?? "")")
        #expect(guarding.isOpen(pool: "p") && guarding.allowance(pool: "p").stopped)
        #expect(guarding.allowance(pool: "other") == .unlimited, "one pool's breaker is its own")
        // A registration (a machine started before the breaker opened) does not close it.
        guarding.registered(pool: "p")
        #expect(guarding.isOpen(pool: "p"))
        #expect(guarding.reset(pool: "p")?.openedAt == start)
        #expect(guarding.allowance(pool: "p") == .unlimited)
    }

    @Test func oneRegistrationClearsTheCount() {
        var guarding = ProvisioningGuard()
        _ = guarding.instanceFailed(pool: "p", neverRegistered: true, reason: "x", at: start)
        _ = guarding.instanceFailed(pool: "p", neverRegistered: true, reason: "x", at: start)
        guarding.registered(pool: "p")
        #expect(guarding.pools["p"] == nil)
        #expect(guarding.instanceFailed(pool: "p", neverRegistered: true, reason: "x", at: start) == nil, "the count starts again")
    }

    @Test func zeroNeverOpensTheBreaker() {
        var guarding = ProvisioningGuard(settings: .init(breakerAfter: 0))
        for _ in 0..<50 { #expect(guarding.instanceFailed(pool: "p", neverRegistered: true, reason: "x", at: start) == nil) }
        #expect(guarding.allowance(pool: "p").maxUnregistered == nil)
    }

    /// The reconciler and the guard together, over seeded random pools whose machines never
    /// register: however long it runs, a pool buys at most max(its size, the breaker's count)
    /// machines, and then nothing more.
    @Test func aPoolWhoseMachinesNeverRegisterBuysAtMostTheBreakersCount() {
        var random = SeededRandom(seed: 7)
        for _ in 0..<100 {
            let desired = Int.random(in: 1...12, using: &random)
            let breakerAfter = Int.random(in: 1...6, using: &random)
            let timeout = TimeInterval(Int.random(in: 5...300, using: &random))
            var guarding = ProvisioningGuard(settings: .init(baseBackoff: .seconds(1), maxBackoff: .seconds(600), breakerAfter: breakerAfter))
            let reconciler = PoolReconciler(registrationTimeout: timeout, replacementTimeout: 900, retryBackoff: 1)
            let pool = Pool(name: "p", provider: "fake", gpuType: "h100", gpusPerNode: 8, desiredNodes: desired, createdAt: start)
            var instances: [String: Instance] = [:]
            var bought = 0
            var now = start
            for _ in 0..<300 {
                now = now.addingTimeInterval(TimeInterval(Int.random(in: 1...30, using: &random)))
                let actions = reconciler.plan(
                    pool: pool, instances: instances.values.sorted { $0.id < $1.id }, nodeHealth: [:], now: now,
                    allowance: guarding.allowance(pool: "p"))
                for action in actions {
                    switch action {
                    case .provision:
                        bought += 1
                        let id = String(format: "i-%05d", bought)
                        instances[id] = Instance(id: id, pool: "p", provider: "fake", state: .booting, nodeID: "n-\(bought)", instanceType: "h100", createdAt: now)
                    case .fail(let id, let reason):
                        instances[id]?.state = .failed
                        instances[id]?.updatedAt = now
                        instances[id]?.failureReason = reason
                        _ = guarding.instanceFailed(pool: "p", neverRegistered: true, reason: reason, at: now)
                    case .terminate(let id, _):
                        instances[id]?.state = .terminated
                    default:
                        break
                    }
                }
            }
            #expect(bought <= max(desired, breakerAfter), "desired \(desired), breaker after \(breakerAfter): bought \(bought)")
            #expect(guarding.isOpen(pool: "p"), "desired \(desired), breaker after \(breakerAfter), timeout \(timeout)")
        }
    }
}

@Suite struct RateLimiterNextTokenTests {
    @Test func theNextTokenComesAfterItsShareOfAMinute() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var limiter = RateLimiter(perMinute: 6)
        #expect(limiter.nextToken("aws", at: now) == now)
        for _ in 0..<6 {
            let taken = limiter.take("aws", at: now)
            #expect(taken)
        }
        #expect(!limiter.allows("aws", at: now))
        let next = limiter.nextToken("aws", at: now)
        #expect(abs(next.timeIntervalSince(now) - 10) < 1e-6)
        #expect(limiter.allows("aws", at: next))
    }
}
