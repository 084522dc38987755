import Foundation
import NavarchCore
import NavarchTesting
import Testing

@Suite struct AutoscalerTests {
    let clock = ManualClock(start: Date(timeIntervalSince1970: 1_800_000_000))

    func metrics(desired: Int = 4, serving: Int = 4, utilization: Double? = nil, queue: Int = 0, jobs: [String: Int] = [:], at now: Date? = nil) -> AutoscalerMetrics {
        AutoscalerMetrics(now: now ?? clock.now, desiredNodes: desired, servingNodes: serving, utilization: utilization, queueDepth: queue, nodeJobs: jobs)
    }

    @Test func reactiveScalesOnUtilisationThresholds() {
        let reactive = ReactiveAutoscaler(scaleUpAbove: 80, scaleDownBelow: 30)
        // 4 nodes at 95% aim for 55%: ceil(4 * 95 / 55) = 7.
        #expect(reactive.recommend(metrics(utilization: 95))?.desiredNodes == 7)
        #expect(reactive.recommend(metrics(utilization: 10))?.desiredNodes == 1)
        #expect(reactive.recommend(metrics(utilization: 50))?.desiredNodes == 4, "inside the band: stay")
        #expect(reactive.recommend(metrics(utilization: nil)) == nil, "no readings: no opinion")
        #expect(reactive.recommend(metrics(utilization: 81))?.reason.contains("above 80%") == true)
    }

    @Test func queueAskForEnoughNodesForWaitingAndRunningJobs() {
        let queue = QueueAutoscaler(jobsPerNode: 2)
        #expect(queue.recommend(metrics(queue: 5, jobs: ["a": 2, "b": 1]))?.desiredNodes == 4, "8 jobs at 2 per node")
        #expect(queue.recommend(metrics(queue: 0))?.desiredNodes == 0)
    }

    @Test func scheduledWindowsFollowTheirTimeZone() throws {
        let office = ScheduledAutoscaler.Window(days: [1, 2, 3, 4, 5], start: try #require(ScheduledAutoscaler.Window.minutes("08:00")), end: try #require(ScheduledAutoscaler.Window.minutes("20:00")), minNodes: 4, maxNodes: 10)
        let night = ScheduledAutoscaler.Window(days: [], start: try #require(ScheduledAutoscaler.Window.minutes("22:00")), end: try #require(ScheduledAutoscaler.Window.minutes("02:00")), minNodes: 0, maxNodes: 1)
        let scheduled = ScheduledAutoscaler(windows: [office, night], timeZone: "Europe/Paris")
        // 2027-01-11 is a Monday. 08:30 in Paris (UTC+1 in winter) is 07:30 UTC.
        let mondayMorning = try #require(ISO8601DateFormatter().date(from: "2027-01-11T07:30:00Z"))
        let inside = try #require(scheduled.recommend(metrics(desired: 1, at: mondayMorning)))
        #expect(inside.minNodes == 4 && inside.maxNodes == 10 && inside.desiredNodes == 4)
        // 07:30 in Paris: before the window.
        let early = try #require(ISO8601DateFormatter().date(from: "2027-01-11T06:30:00Z"))
        #expect(scheduled.recommend(metrics(at: early)) == nil)
        // Saturday 10:00 in Paris: the weekday window does not apply.
        let saturday = try #require(ISO8601DateFormatter().date(from: "2027-01-16T09:00:00Z"))
        #expect(scheduled.recommend(metrics(at: saturday)) == nil)
        // 01:00 Tuesday in Paris is inside the window that began at 22:00 on Monday.
        let pastMidnight = try #require(ISO8601DateFormatter().date(from: "2027-01-12T00:00:00Z"))
        #expect(scheduled.recommend(metrics(desired: 3, at: pastMidnight))?.maxNodes == 1)
        #expect(scheduled.recommend(metrics(desired: 3, at: pastMidnight))?.desiredNodes == 1)
    }

    @Test func predictiveScalesBeforeTheThresholdIsCrossed() {
        let predictive = PredictiveAutoscaler(window: .seconds(1800), lookahead: .seconds(600), scaleUpAbove: 80, scaleDownBelow: 30)
        let now = clock.now
        // Rising 2 points a minute from 50%: 70% now, about 90% in ten minutes.
        let rising = (0...10).map { UtilizationSample(time: now.addingTimeInterval(Double($0 - 10) * 60), percent: 50 + Double($0) * 2) }
        var input = metrics(utilization: 70)
        input.utilizationHistory = rising
        let up = predictive.recommend(input)
        #expect((up?.desiredNodes ?? 0) > 4, "\(String(describing: up))")
        #expect(ReactiveAutoscaler().recommend(input)?.desiredNodes == 4, "the reactive autoscaler would still wait")
        input.utilizationHistory = Array(rising.prefix(2))
        #expect(PredictiveAutoscaler(minimumSamples: 3).recommend(input) == nil, "too few samples")
        let flat = (0...5).map { UtilizationSample(time: now.addingTimeInterval(Double($0 - 5) * 60), percent: 50) }
        input.utilizationHistory = flat
        #expect(predictive.recommend(input)?.desiredNodes == 4)
    }

    @Test func compositeCombinesSizesAndBounds() throws {
        let members: [any Autoscaler] = [ReactiveAutoscaler(), QueueAutoscaler(jobsPerNode: 1)]
        let input = metrics(utilization: 50, queue: 9)
        #expect(CompositeAutoscaler(mode: .max, members: members).recommend(input)?.desiredNodes == 9)
        #expect(CompositeAutoscaler(mode: .min, members: members).recommend(input)?.desiredNodes == 4)
        #expect(CompositeAutoscaler(mode: .avg, members: members).recommend(input)?.desiredNodes == 7)
        let window = ScheduledAutoscaler.Window(start: 0, end: 24 * 60, minNodes: 2, maxNodes: 6)
        let bounded = CompositeAutoscaler(mode: .max, members: members + [ScheduledAutoscaler(windows: [window])]).recommend(input)
        #expect(bounded?.maxNodes == 6 && bounded?.minNodes == 2)
        let spec = AutoscalerSpec.composite(mode: .max, members: [.reactive(ReactiveAutoscaler()), .queue(QueueAutoscaler(jobsPerNode: 2))])
        #expect(spec.summary == "max(reactive 30-80%, queue 2/node)")
        let decoded = try JSONDecoder().decode(AutoscalerSpec.self, from: JSONEncoder().encode(spec))
        #expect(decoded == spec, "stored with the pool and read back")
    }

    @Test func cooldownsAreHonoured() {
        var pool = Pool(name: "p", provider: "fake", gpuType: "h100", gpusPerNode: 8, desiredNodes: 4, createdAt: clock.now, minNodes: 1, maxNodes: 10)
        var autoscaling = PoolAutoscaling(autoscaler: .queue(QueueAutoscaler()), scaleUpCooldown: .seconds(300), scaleDownCooldown: .seconds(600))
        let up = ScaleRecommendation(desiredNodes: 8, reason: "queue")
        #expect(ScalingDecider.decide(pool: pool, autoscaling: autoscaling, recommendation: up, now: clock.now).desiredNodes == 8)
        autoscaling.lastScaleUp = clock.now
        pool.desiredNodes = 8
        clock.advance(by: .seconds(60))
        let again = ScalingDecider.decide(pool: pool, autoscaling: autoscaling, recommendation: ScaleRecommendation(desiredNodes: 10, reason: "queue"), now: clock.now)
        #expect(again.desiredNodes == nil && again.reason.contains("scale-up cooldown"))
        let down = ScaleRecommendation(desiredNodes: 2, reason: "queue")
        #expect(ScalingDecider.decide(pool: pool, autoscaling: autoscaling, recommendation: down, now: clock.now).desiredNodes == nil, "no scale-down right after a scale-up")
        clock.advance(by: .seconds(600))
        #expect(ScalingDecider.decide(pool: pool, autoscaling: autoscaling, recommendation: down, now: clock.now).desiredNodes == 2)
        #expect(ScalingDecider.decide(pool: pool, autoscaling: autoscaling, recommendation: ScaleRecommendation(desiredNodes: 50, reason: "q"), now: clock.now).desiredNodes == 10, "bounded by max_nodes")
        // A schedule's window raising the minimum applies at once, cooldown or not.
        autoscaling.lastScaleDown = clock.now
        let window = ScaleRecommendation(desiredNodes: 9, minNodes: 9, maxNodes: 10, reason: "window")
        #expect(ScalingDecider.decide(pool: pool, autoscaling: autoscaling, recommendation: window, now: clock.now).desiredNodes == 9)
    }

    @Test func scaleDownDrainsIdleAndUnhealthyNodesFirst() {
        let reconciler = PoolReconciler()
        var pool = Pool(name: "p", provider: "fake", gpuType: "h100", gpusPerNode: 8, desiredNodes: 2, createdAt: clock.now)
        pool.nodeJobs = ["p-0": 3, "p-1": 0, "p-2": 1, "p-3": 2]
        let instances = (0..<4).map { Instance(id: "i-\($0)", pool: "p", provider: "fake", state: .running, nodeID: "p-\($0)", instanceType: "h100", createdAt: clock.now) }
        let health: [String: HealthStatus] = ["p-0": .healthy, "p-1": .healthy, "p-2": .healthy, "p-3": .unhealthy]
        let states: [String: NodeState] = ["p-0": .active, "p-1": .active, "p-2": .active, "p-3": .cordoned]
        let actions = reconciler.plan(pool: pool, instances: instances, nodeHealth: health, now: clock.now, nodeStates: states)
        #expect(actions == [
            .drain(instanceID: "i-3", reason: "pool p scaled down to 2"), .drain(instanceID: "i-1", reason: "pool p scaled down to 2"),
        ], "the unhealthy node, then the idle one; both drained before termination")
        let drained: [String: NodeState] = ["p-0": .active, "p-1": .drained, "p-2": .active, "p-3": .draining]
        let next = reconciler.plan(pool: pool, instances: instances, nodeHealth: health, now: clock.now, nodeStates: drained)
        #expect(next.contains(.terminate(instanceID: "i-1", reason: "pool p scaled down to 2")), "drained: terminated")
        #expect(next.contains(.terminate(instanceID: "i-3", reason: "pool p scaled down to 2")), "an unhealthy node is not waited for")
    }

    @Test func rateLimiterRefillsOverTheMinute() {
        var limiter = RateLimiter(perMinute: 2)
        let first = limiter.take("aws", at: clock.now), second = limiter.take("aws", at: clock.now)
        #expect(first && second)
        let third = limiter.take("aws", at: clock.now)
        #expect(!third, "the third call in the same instant waits")
        let other = limiter.take("gcp", at: clock.now)
        #expect(other, "another key has its own bucket")
        clock.advance(by: .seconds(30))
        let refilled = limiter.take("aws", at: clock.now)
        #expect(refilled, "one token back after 30 s at 2/min")
        #expect(!limiter.allows("aws", at: clock.now))
    }
}
