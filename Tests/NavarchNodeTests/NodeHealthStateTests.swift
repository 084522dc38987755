import Foundation
import NavarchCore
import NavarchHealth
@testable import NavarchNode
import Testing

@Suite struct NodeHealthStateTests {
    let backend = SimulatedGPUBackend(count: 8, model: "NVIDIA H100 80GB HBM3", memoryMiB: 81_559, idlePowerWatts: 70, seed: "demo-0")
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func simulatedGPUsLookLikeAnHGXBoard() {
        #expect(backend.gpus.map(\.pciBusID) == ["18", "2A", "3A", "5D", "9A", "AB", "BA", "DB"].map { "00000000:\($0):00.0" })
        #expect(Set(backend.gpus.map(\.uuid)).count == 8)
        #expect(backend.gpus.allSatisfy { $0.uuid.hasPrefix("GPU-") && $0.uuid.count == 40 })
        let again = SimulatedGPUBackend(count: 8, model: "x", memoryMiB: 1, idlePowerWatts: 1, seed: "demo-0")
        #expect(again.gpus.map(\.uuid) == backend.gpus.map(\.uuid), "UUIDs survive an agent restart")
    }

    @Test func xidOnAGPUMakesThatGPUAndTheNodeUnhealthy() throws {
        var state = NodeHealthState(gpus: backend.gpus)
        let record = try #require(KernelLogParser.parse("NVRM: Xid (PCI:0000:5d:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus."))
        let applied = state.apply(record, at: now)
        let observation = try #require(applied)
        #expect(observation.gpuIndex == 3)
        #expect(observation.verdict == .unhealthy)
        #expect(state.health == .unhealthy)
        #expect(state.reason.contains("GPU 3: XID 79"))
        #expect(state.gpus[3].health == .unhealthy)
        #expect(state.gpus.filter { $0.health == .unhealthy }.count == 1)
    }

    @Test func xidOnAnUnknownAddressIsStillANodeLevelObservation() throws {
        var state = NodeHealthState(gpus: backend.gpus)
        let record = try #require(KernelLogParser.parse("NVRM: Xid (PCI:0000:c1:00): 48, pid='<unknown>', name=<unknown>, DBE"))
        let applied = state.apply(record, at: now)
        let observation = try #require(applied)
        #expect(observation.gpuIndex == nil)
        #expect(observation.pciAddress == "0000:c1:00")
        #expect(state.health == .unhealthy)
        #expect(state.gpus.allSatisfy { $0.health == .healthy })
    }

    @Test func applicationErrorIsReportedButKeepsTheNodeHealthy() throws {
        var state = NodeHealthState(gpus: backend.gpus)
        let record = try #require(KernelLogParser.parse("NVRM: Xid (PCI:0000:18:00): 13, pid=42, name=python, Graphics Exception"))
        let applied = state.apply(record, at: now)
        let observation = try #require(applied)
        #expect(observation.verdict == .healthy)
        #expect(state.health == .healthy)
    }

    @Test func verdictNeverImprovesOnItsOwn() throws {
        var state = NodeHealthState(gpus: backend.gpus)
        let fatal = try #require(KernelLogParser.parse("NVRM: Xid (PCI:0000:18:00): 79, GPU has fallen off the bus."))
        let benign = try #require(KernelLogParser.parse("NVRM: Xid (PCI:0000:18:00): 13, Graphics Exception"))
        _ = state.apply(fatal, at: now)
        _ = state.apply(benign, at: now)
        #expect(state.health == .unhealthy)
        _ = state.refresh(backend.gpus, at: now)
        #expect(state.gpus[0].health == .unhealthy, "a metrics refresh keeps verdicts")
    }

    @Test func gpuAddressLinesRemapAddresses() throws {
        var state = NodeHealthState(gpus: backend.gpus)
        #expect(state.apply(.gpuAddress(pciAddress: "0000:77:00", uuid: backend.gpus[6].uuid), at: now) == nil)
        let record = try #require(KernelLogParser.parse("NVRM: Xid (PCI:0000:77:00): 79, GPU has fallen off the bus."))
        let observation = state.apply(record, at: now)
        #expect(observation?.gpuIndex == 6)
    }

    @Test func backoffGrowsAndIsCapped() {
        var backoff = Backoff(maximum: .seconds(2))
        let pauses = (0..<10).map { _ in backoff.next() }
        #expect(pauses.allSatisfy { $0 <= .seconds(2) && $0 > .zero })
        #expect(pauses.last! >= .seconds(1))
        backoff.reset()
        #expect(backoff.next() <= .milliseconds(250))
    }
}

@Suite struct NodeHealthPolicyTests {
    let backend = SimulatedGPUBackend(count: 8, model: "NVIDIA H100 80GB HBM3", memoryMiB: 81_559, idlePowerWatts: 70, seed: "demo-1")
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func observationsCarryTheRuleAndTheAction() throws {
        var state = NodeHealthState(gpus: backend.gpus)
        let record = try #require(KernelLogParser.parse("NVRM: Xid (PCI:0000:18:00): 48, pid='<unknown>', name=<unknown>, An uncorrectable double bit error"))
        let applied = state.apply(record, at: now)
        let observation = try #require(applied)
        #expect(observation.rule == "xid-reset-gpu" && observation.action == .resetGPU)
        #expect(state.reason.contains("rule xid-reset-gpu") && state.reason.contains("action reset_gpu"))
    }

    @Test func repeatedApplicationErrorsEscalate() throws {
        var state = NodeHealthState(gpus: backend.gpus)
        let record = try #require(KernelLogParser.parse("NVRM: Xid (PCI:0000:2a:00): 13, pid=7, name=python, Graphics Exception"))
        _ = state.apply(record, at: now)
        _ = state.apply(record, at: now.addingTimeInterval(10))
        #expect(state.health == .healthy)
        let applied = state.apply(record, at: now.addingTimeInterval(20))
        let third = try #require(applied)
        #expect(third.verdict == .unhealthy && third.gpuIndex == 1)
        #expect(state.gpus[1].health == .unhealthy && state.health == .unhealthy)
    }

    @Test func theControlPlanesPolicyReplacesTheBuiltinOne() throws {
        var state = NodeHealthState(gpus: backend.gpus)
        state.setPolicy(try HealthPolicyFile.parse("ignore_xids: [79]"))
        let record = try #require(KernelLogParser.parse("NVRM: Xid (PCI:0000:18:00): 79, GPU has fallen off the bus."))
        let applied = state.apply(record, at: now)
        #expect(applied?.rule == "ignore_xids")
        #expect(state.health == .healthy)
    }

    @Test func metricVerdictsComeAndGo() {
        var state = NodeHealthState(gpus: backend.gpus)
        var hot = backend.gpus[2]
        hot.metrics = [GPUMetric.slowdownMarginCelsius: 1]
        let fired = state.refresh([hot], at: now)
        #expect(fired.count == 1 && fired[0].rule == "thermal-near-slowdown" && fired[0].gpuIndex == 2)
        #expect(state.health == .degraded && state.gpus[2].health == .degraded)
        #expect(state.refresh([hot], at: now).isEmpty, "no repeat while the verdict holds")
        hot.metrics = [GPUMetric.slowdownMarginCelsius: 30]
        let cleared = state.refresh([hot], at: now)
        #expect(cleared.count == 1 && cleared[0].verdict == .healthy)
        #expect(state.health == .healthy)
    }

    @Test func aFailedCheckMakesTheNodeUnhealthy() {
        var state = NodeHealthState(gpus: backend.gpus)
        let observation = state.apply(check: "gpu_backend", status: .fail, gpuIndex: nil, message: "NVML: Driver Not Loaded", at: now)
        #expect(observation.verdict == .unhealthy && observation.kind == "check")
        #expect(state.health == .unhealthy && state.reason.contains("Driver Not Loaded"))
    }
}

@Suite struct SimulatedMetricsTests {
    @Test func anEditedMetricsFileInjectsAFaultTheFirstReadSees() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).json").path
        let backend = SimulatedGPUBackend(count: 8, model: "NVIDIA H100 80GB HBM3", memoryMiB: 81_559, idlePowerWatts: 70, seed: "m", metricsPath: path)
        var state = NodeHealthState(gpus: backend.gpus)
        #expect(state.refresh(try await backend.snapshot(), at: Date()).isEmpty, "healthy simulated metrics fire no rule")
        try #"{"2": {"remapped_rows_failure": 1}, "5": {"temperature_celsius": 86}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let observations = state.refresh(try await backend.snapshot(), at: Date())
        #expect(Set(observations.map(\.rule)) == ["row-remap-failure", "thermal-near-slowdown"])
        #expect(state.health == .unhealthy && state.gpus[2].health == .unhealthy && state.gpus[5].health == .degraded)
        #expect(state.gpus[5].temperatureCelsius == 86)
    }
}
