import Foundation
import NavarchCore
import NavarchSimulator
import Testing

/// Pools against simulated providers: each rung of the ladder, the breaker, failover on
/// capacity errors, API errors, spot preemptions and autoscaling, read from the run's figures
/// and the brain's events.
@Suite struct PoolSimulationTests {
    /// A pool of `nodes` H100 nodes at aws, a failure on its first node at 10 minutes, and the world as given.
    static func scenario(nodes: Int = 3, world: String = "", failure: String = "", extra: String = "", duration: String = "2h") throws -> Scenario {
        try ScenarioFile.parse(
            """
            name: pool-test
            pools:
              - name: train
                provider: aws
                gpu_type: h100
                nodes: \(nodes)
            \(world)
            stress:
              duration: \(duration)
            \(extra)
            events:
              - at: 10m
                action: log
                params:
                  log_message: "failure"
            \(failure)
            """, file: "pool-test.yaml")
    }

    static let xid48 = """
          - at: 10m
            action: inject_failure
            target: train-0
            params:
              failure_type: xid_error
              xid_code: 48
              gpu_index: 2
        """

    static func run(_ scenario: Scenario, options: Simulation.Options = .init()) throws -> SimulationReport {
        var simulation = try Simulation(scenario, options: options)
        return try simulation.run()
    }

    @Test func thePoolComesUpThroughItsProvider() throws {
        let report = try Self.run(try Self.scenario(nodes: 4))
        #expect(report.nodeCounts == ["active, healthy": 4])
        #expect(report.metrics.providers["aws"]?.calls.provisions == 4)
        // Four 8-GPU machines for 2 h, of which the first minute or so is booting.
        #expect(report.metrics.paidGPUHours > 63 && report.metrics.paidGPUHours <= 64)
        #expect(report.metrics.healthyGPUHours > 60 && report.metrics.healthyGPUHours < report.metrics.paidGPUHours)
        #expect(report.metrics.costUSD > 0)
    }

    @Test func aResetThatWorksIsTheFirstRung() throws {
        let report = try Self.run(try Self.scenario(world: "world:\n  reset_success: 1", failure: Self.xid48))
        #expect(report.metrics.repairs["reset_gpu"] == .init(requested: 1, succeeded: 1, failed: 0))
        #expect(report.metrics.repairs["reboot"] == nil && report.metrics.repairs["replace"] == nil)
        #expect(report.metrics.failureToHealthy.count == 1 && report.metrics.failuresOpen == 0)
        #expect(report.nodeCounts == ["active, healthy": 3])
    }

    @Test func resetsThatFailClimbToAReboot() throws {
        let report = try Self.run(try Self.scenario(world: "world:\n  reset_success: 0\n  reboot_success: 1", failure: Self.xid48))
        #expect((report.metrics.repairs["reset_gpu"]?.failed ?? 0) >= 1)
        #expect(report.metrics.repairs["reboot"]?.succeeded == 1)
        #expect(report.metrics.repairs["replace"] == nil)
        #expect(report.nodeCounts == ["active, healthy": 3])
    }

    @Test func whenNothingRepairsTheNodeItIsReplaced() throws {
        let report = try Self.run(try Self.scenario(world: "world:\n  reset_success: 0\n  reboot_success: 0", failure: Self.xid48))
        #expect(report.metrics.repairs["replace"]?.requested == 1)
        #expect(report.metrics.repairs["replace"]?.succeeded == 1, "the replacement came up healthy")
        #expect(report.events["instance.terminated"] == 1, "the bad machine went once its replacement served")
        #expect(report.nodeCounts == ["active, healthy": 3, "terminated, unhealthy": 1])
        #expect(report.metrics.failureToHealthy.count == 1)
        #expect(report.metrics.providers["aws"]?.calls.terminations == 1)
    }

    @Test func capacityErrorsFailThePoolOverToTheNextProvider() throws {
        let scenario = try ScenarioFile.parse(
            """
            name: failover
            pools:
              - name: train
                provider: aws,gcp
                gpu_type: h100
                nodes: 4
            providers:
              - name: aws
                zones: [us-east-1a]
                capacity_per_zone: 2
            stress:
              duration: 1h
            assertions:
              - type: node_count
                target: active
                expected: "4"
            """, file: "failover.yaml")
        let report = try Self.run(scenario)
        #expect(report.passed, "\(report.table())")
        #expect((report.metrics.providers["aws"]?.calls.capacityErrors ?? 0) >= 1)
        #expect((report.events["instance.failover"] ?? 0) >= 1)
        #expect(report.metrics.providers["gcp"]?.gpuHours ?? 0 > 0, "the rest run at gcp")
    }

    @Test func throttledAndFailedCallsAreRetriedUntilThePoolIsFull() throws {
        let report = try Self.run(try Self.scenario(nodes: 6, world: "world:\n  api_error_rate: 0.4"))
        let aws = try #require(report.metrics.providers["aws"]?.calls)
        #expect(aws.throttled + aws.serverErrors > 0)
        #expect(aws.provisions > 6)
        #expect(report.nodeCounts["active, healthy"] == 6, "\(report.table())")
    }

    @Test func aSilentZoneOpensTheBreakerAndNothingIsReplaced() throws {
        let scenario = try Self.scenario(
            nodes: 10, world: "providers:\n  - name: aws\n    zones: [z-a, z-b]",
            extra: """
              chaos:
                scheduled_outages:
                  - name: z-a
                    start: 20m
                    duration: 20m
                    scope: zone
                    target: z-a
            """)
        let report = try Self.run(scenario)
        #expect(report.metrics.breakerTrips >= 1)
        #expect(report.metrics.repairs["replace"] == nil)
        #expect(report.metrics.providers["aws"]?.calls.terminations == 0)
        #expect(report.log.contains { $0.message.contains("circuit breaker of pool train opened") })
    }

    @Test func spotMachinesTakenBackAreReplaced() throws {
        let scenario = try ScenarioFile.parse(
            """
            name: spot
            pools:
              - name: batch
                provider: aws
                gpu_type: h100
                nodes: 4
                spot: true
            providers:
              - name: aws
                spot_preemptions_per_day: 12
            stress:
              duration: 12h
            """, file: "spot.yaml")
        let report = try Self.run(scenario)
        let preemptions = report.metrics.providers["aws"]?.calls.preemptions ?? 0
        #expect(preemptions > 0)
        #expect(report.metrics.failures["spot_preemption"] == preemptions)
        #expect(report.metrics.repairs["replace"]?.requested ?? 0 >= preemptions - 1)
        #expect(report.nodeCounts["active, healthy"] == 4, "\(report.table())")
    }

    @Test func aQueueAutoscalerGrowsThePoolWhenJobsWait() throws {
        let scenario = try ScenarioFile.parse(
            """
            name: autoscale
            stress:
              duration: 2h
            events:
              - at: 10m
                action: set_queue
                target: jobs
                params:
                  depth: "6"
            """, file: "autoscale.yaml")
        var options = Simulation.Options()
        options.pools = [ConfiguredPool(
            name: "jobs", provider: "aws", gpuType: "h100", minNodes: 1, maxNodes: 8,
            autoscaling: PoolAutoscaling(autoscaler: .queue(QueueAutoscaler(jobsPerNode: 1)), scaleUpCooldown: .seconds(60)))]
        let report = try Self.run(scenario, options: options)
        #expect((report.events["pool.scaled"] ?? 0) >= 1)
        #expect(report.nodeCounts["active, healthy"] == 6, "\(report.table())")
    }
}
