import Foundation
import NavarchCore
import Testing

@Suite struct TerminationGateTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func instance(_ state: InstanceState) -> Instance {
        Instance(id: "i-1", pool: "p", provider: "aws", state: state, nodeID: "p-0", instanceType: "h100", createdAt: now)
    }

    @Test func anOpenBreakerHoldsAutomaticTerminationsOnly() {
        let breaker = (scope: "pool p", reason: "3 of 5 unhealthy")
        #expect(TerminationGate.decide(instance(.running), poolDeleting: false, openBreaker: breaker, coordinated: false, nodeState: .cordoned)
            == .hold(scope: "pool p", reason: "3 of 5 unhealthy"))
        #expect(TerminationGate.decide(instance(.failed), poolDeleting: false, openBreaker: breaker, coordinated: false, nodeState: nil) == .proceed,
                "a machine that failed to come up is given back")
        #expect(TerminationGate.decide(instance(.running), poolDeleting: true, openBreaker: breaker, coordinated: false, nodeState: .active) == .proceed,
                "an operator deleting the pool asked for it")
    }

    @Test func aCoordinatorDrainsTheNodeFirst() {
        #expect(TerminationGate.decide(instance(.running), poolDeleting: false, openBreaker: nil, coordinated: true, nodeState: .active) == .drainFirst)
        #expect(TerminationGate.decide(instance(.running), poolDeleting: false, openBreaker: nil, coordinated: true, nodeState: .cordoned) == .drainFirst)
        #expect(TerminationGate.decide(instance(.running), poolDeleting: false, openBreaker: nil, coordinated: true, nodeState: .draining) == .waitForDrain)
        #expect(TerminationGate.decide(instance(.running), poolDeleting: false, openBreaker: nil, coordinated: true, nodeState: .drained) == .proceed)
        #expect(TerminationGate.decide(instance(.failed), poolDeleting: false, openBreaker: nil, coordinated: true, nodeState: .active) == .proceed)
        #expect(TerminationGate.decide(instance(.running), poolDeleting: false, openBreaker: nil, coordinated: false, nodeState: .active) == .proceed)
    }
}

@Suite struct ProviderChoiceTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let h100 = try! InstanceTypeCatalog.named("h100")

    func choose(
        _ candidates: [String], failures: [String: (at: Date, reason: String)] = [:], replacing: String? = nil,
        scheduler: any Scheduler = PriorityScheduler(), live: [String: Int] = [:]
    ) -> ProviderChoice {
        ProviderChoice.choose(
            candidates: candidates, type: h100, capacityFailures: failures, retryAfter: 600, replacing: replacing, scheduler: scheduler,
            context: SchedulingContext(pool: "p", instancesByProvider: live), now: now)
    }

    @Test func aProviderWithoutCapacityIsPassedOverUntilItsRetry() {
        let failures = ["aws": (at: now.addingTimeInterval(-60), reason: "InsufficientInstanceCapacity")]
        let choice = choose(["aws", "lambda"], failures: failures)
        #expect(choice.provider == "lambda")
        #expect(choice.passedOver.map(\.provider) == ["aws"] && choice.passedOver.first?.reason == "InsufficientInstanceCapacity")
        let later = ["aws": (at: now.addingTimeInterval(-601), reason: "InsufficientInstanceCapacity")]
        #expect(choose(["aws", "lambda"], failures: later) == ProviderChoice(provider: "aws", passedOver: [], schedulerError: nil))
    }

    @Test func aReplacementStaysWithItsProviderUnlessItHasNoCapacity() {
        #expect(choose(["aws", "lambda"], replacing: "lambda").provider == "lambda")
        let failures = ["lambda": (at: now, reason: "insufficient-capacity")]
        #expect(choose(["aws", "lambda"], failures: failures, replacing: "lambda").provider == "aws")
    }

    @Test func whenEveryProviderFailedTheOldestReportIsTriedFirst() {
        let failures = ["aws": (at: now.addingTimeInterval(-10), reason: "a"), "lambda": (at: now.addingTimeInterval(-20), reason: "b")]
        let choice = choose(["aws", "lambda"], failures: failures)
        #expect(choice.provider == "lambda" && choice.passedOver.map(\.provider) == ["aws"])
    }

    @Test func roundRobinSpreadsByLiveInstancesAndAFailingSchedulerFallsBack() {
        #expect(choose(["aws", "gcp"], scheduler: RoundRobinScheduler(), live: ["aws": 2, "gcp": 1]).provider == "gcp")
        struct Broken: Scheduler {
            struct Failure: Error, CustomStringConvertible { var description: String { "no prices" } }
            func score(_ option: ProvisionOption, context: SchedulingContext) throws -> Double { throw Failure() }
        }
        let choice = choose(["aws", "gcp"], scheduler: Broken())
        #expect(choice.provider == "aws" && choice.schedulerError == "no prices")
        #expect(choose(["only"]).provider == "only")
    }
}
