import Foundation
import NavarchCore
import Testing

/// The remediation ladder as a pure state machine, with a manual clock (plain dates).
struct RemediationLadderTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func gpuResetsUpToTheLimitThenRebootThenReplace() {
        var ladder = RemediationLadder(limits: RemediationLimits(gpuResets: 2, resetWindow: .seconds(86_400), reboots: 1, rebootWindow: .seconds(86_400)))
        var now = start
        let first = ladder.next(requested: .resetGPU, gpuIndex: 3, now: now)
        #expect(first == RemediationStep(action: .resetGPU, reason: "GPU reset 1 of 2 allowed in 24h"))
        ladder.record(.resetGPU, gpuIndex: 3, at: now)
        now += 3600
        #expect(ladder.next(requested: .resetGPU, gpuIndex: 3, now: now).action == .resetGPU)
        ladder.record(.resetGPU, gpuIndex: 3, at: now)
        now += 3600
        let third = ladder.next(requested: .resetGPU, gpuIndex: 3, now: now)
        #expect(third == RemediationStep(action: .reboot, reason: "2 GPU reset(s) in 24h already: reboot 1 of 1 allowed in 24h"))
        ladder.record(.reboot, at: now)
        now += 3600
        let fourth = ladder.next(requested: .resetGPU, gpuIndex: 3, now: now)
        #expect(fourth == RemediationStep(action: .replace, reason: "2 GPU reset(s) in 24h already: 1 reboot(s) in 24h already: replace"))
    }

    @Test func theWindowForgetsOldRepairs() {
        var ladder = RemediationLadder(limits: RemediationLimits(gpuResets: 1, resetWindow: .seconds(3600)))
        ladder.record(.resetGPU, at: start)
        #expect(ladder.next(requested: .resetGPU, now: start + 1800).action == .reboot)
        #expect(ladder.next(requested: .resetGPU, now: start + 3601).action == .resetGPU)
    }

    @Test func aFailedValidationClimbsOneRung() {
        let ladder = RemediationLadder()
        #expect(ladder.validationFailed(after: .resetGPU, now: start) == RemediationStep(action: .reboot, reason: "validation failed after reset_gpu: reboot 1 of 1 allowed in 24h"))
        #expect(ladder.validationFailed(after: .reboot, now: start) == RemediationStep(action: .replace, reason: "validation failed after reboot: replace"))
    }

    @Test func alertAndReplaceAreTakenAsAsked() {
        var ladder = RemediationLadder()
        ladder.record(.reboot, at: start)
        #expect(ladder.next(requested: .alert, now: start).action == .alert)
        #expect(ladder.next(requested: .none, now: start).action == .none)
        #expect(ladder.next(requested: .replace, now: start).action == .replace)
        #expect(ladder.next(requested: .reboot, now: start + 60).action == .replace, "the one reboot allowed is used")
        #expect(ladder.history.count == 1)
        ladder.record(.alert, at: start)
        #expect(ladder.history.count == 1, "alerts are not repairs")
    }
}
