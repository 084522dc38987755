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
        #expect(state.reason.contains("XID 79 on GPU 3"))
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
        state.refresh(backend.gpus)
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
