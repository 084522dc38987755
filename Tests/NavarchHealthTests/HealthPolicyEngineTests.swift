import Foundation
import NavarchCore
import NavarchHealth
import Testing

@Suite struct HealthPolicyEngineTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func xid(_ code: Int, gpu: Int? = 0, message: String = "", count: Int = 1) -> HealthSignal {
        .xid(code: code, gpuIndex: gpu, message: message, count: count)
    }

    @Test func fatalCodesActAsNVIDIASays() {
        var engine = HealthPolicyEngine()
        let expected: [Int: (HealthStatus, HealthAction)] = [
            79: (.unhealthy, .reboot), 48: (.unhealthy, .resetGPU), 64: (.unhealthy, .resetGPU), 74: (.unhealthy, .resetGPU),
            95: (.unhealthy, .resetGPU), 119: (.unhealthy, .resetGPU), 120: (.unhealthy, .resetGPU), 151: (.unhealthy, .reboot),
            54: (.unhealthy, .replace), 63: (.healthy, .none), 92: (.healthy, .none), 94: (.healthy, .alert),
        ]
        for (code, (verdict, action)) in expected {
            let decision = engine.evaluate(xid(code, gpu: code % 8), at: start)
            #expect(decision.verdict == verdict, "XID \(code): \(decision.explanation)")
            #expect(decision.action == action, "XID \(code): \(decision.explanation)")
        }
    }

    @Test func everyCatalogCodeGetsARule() {
        var engine = HealthPolicyEngine()
        for code in XIDCatalog.nvidia.codes {
            let decision = engine.evaluate(xid(code, gpu: nil), at: start)
            #expect(!decision.rule.isEmpty, "XID \(code): \(decision.explanation)")
        }
        let unknown = engine.evaluate(xid(999), at: start)
        #expect(unknown.verdict == .degraded && unknown.rule == "xid-unclassified")
    }

    @Test func applicationErrorsEscalateOnlyWhenRepeatedOnOneGPU() {
        var engine = HealthPolicyEngine()
        let first = engine.evaluate(xid(13, gpu: 2), at: start)
        #expect(first.verdict == .healthy && first.action == .alert && first.rule == "xid-application-error")
        #expect(engine.evaluate(xid(31, gpu: 3), at: start.addingTimeInterval(60)).verdict == .healthy)
        #expect(engine.evaluate(xid(13, gpu: 2), at: start.addingTimeInterval(120)).verdict == .healthy)
        let third = engine.evaluate(xid(13, gpu: 2), at: start.addingTimeInterval(180))
        #expect(third.verdict == .unhealthy && third.action == .resetGPU && third.rule == "xid-application-error-repeated")
        #expect(third.explanation.contains("3 times within 24h"))
    }

    @Test func repetitionsOutsideTheWindowDoNotCount() {
        var engine = HealthPolicyEngine()
        _ = engine.evaluate(xid(13), at: start)
        _ = engine.evaluate(xid(13), at: start.addingTimeInterval(3600))
        let late = engine.evaluate(xid(13), at: start.addingTimeInterval(25 * 3600))
        #expect(late.verdict == .healthy && late.rule == "xid-application-error", "\(late.explanation)")
        #expect(engine.evaluate(xid(13), at: start.addingTimeInterval(26 * 3600)).verdict == .healthy)
        #expect(engine.evaluate(xid(13), at: start.addingTimeInterval(27 * 3600)).verdict == .unhealthy)
    }

    @Test func aBurstOfIdenticalLinesIsOneOccurrence() {
        var engine = HealthPolicyEngine()
        for second in 0..<500 {
            #expect(engine.evaluate(xid(31), at: start.addingTimeInterval(Double(second) * 0.004)).verdict == .healthy)
        }
        #expect(engine.evaluate(xid(31, count: 40), at: start.addingTimeInterval(3)).verdict == .healthy)
        #expect(engine.evaluate(xid(31), at: start.addingTimeInterval(60)).verdict == .healthy)
        #expect(engine.evaluate(xid(31), at: start.addingTimeInterval(120)).verdict == .unhealthy)
    }

    @Test func ignoredXIDsNeverAffectHealth() {
        var policy = HealthPolicy.builtin
        policy.ignoredXIDs = [79]
        var engine = HealthPolicyEngine(policy: policy)
        let decision = engine.evaluate(xid(79), at: start)
        #expect(decision.verdict == .healthy && decision.rule == "ignore_xids")
    }

    @Test func aRuleNamingTheCodeWinsOverBucketRules() {
        var policy = HealthPolicy.builtin
        var match = RuleMatch(event: .xid)
        match.codes = [79]
        policy.set(HealthRule(name: "lab-79", match: match, verdict: .degraded, action: .alert))
        var engine = HealthPolicyEngine(policy: policy)
        #expect(engine.evaluate(xid(79), at: start).rule == "lab-79")
        #expect(engine.evaluate(xid(79), at: start).verdict == .degraded)
        #expect(engine.evaluate(xid(48), at: start).rule == "xid-reset-gpu")
    }

    @Test func nvlink5AndXID154FollowTheirDecoding() {
        var engine = HealthPolicyEngine()
        #expect(engine.evaluate(xid(144, message: "Link 07 (0x00000001 0x00000004 0x0 0x0 0x0 0x0)"), at: start).verdict == .healthy)
        #expect(engine.evaluate(xid(144, message: "Link 07 (0x00000001 0x00000002 0x0 0x0 0x0 0x0)"), at: start).action == .resetGPU)
        let reboot = engine.evaluate(xid(154, message: "GPU recovery action changed from 0x0 (None) to 0x2 (Node Reboot Required)"), at: start)
        #expect(reboot.verdict == .unhealthy && reboot.action == .reboot)
    }

    @Test func sxidsBySeverity() {
        var engine = HealthPolicyEngine()
        #expect(engine.evaluate(.sxid(code: 20034, fatal: true, message: "", count: 1), at: start).action == .reboot)
        #expect(engine.evaluate(.sxid(code: 11004, fatal: false, message: "", count: 1), at: start).verdict == .degraded)
    }

    @Test func metricThresholds() {
        let engine = HealthPolicyEngine()
        #expect(engine.evaluate(metrics: [GPUMetric.slowdownMarginCelsius: 40, GPUMetric.eccDoubleBitVolatile: 0], gpuIndex: 0).verdict == .healthy)
        #expect(engine.evaluate(metrics: [GPUMetric.slowdownMarginCelsius: 2], gpuIndex: 0).rule == "thermal-near-slowdown")
        let dbe = engine.evaluate(metrics: [GPUMetric.slowdownMarginCelsius: 2, GPUMetric.eccDoubleBitVolatile: 1], gpuIndex: 1)
        #expect(dbe.verdict == .unhealthy && dbe.rule == "ecc-double-bit" && dbe.gpuIndex == 1)
        #expect(engine.evaluate(metrics: [GPUMetric.remappedRowsFailure: 1], gpuIndex: 0).action == .replace)
        #expect(engine.evaluate(metrics: [GPUMetric.remappedRowsPending: 1], gpuIndex: 0).verdict == .degraded)
        #expect(engine.evaluate(metrics: [GPUMetric.retiredPagesTotal: 60], gpuIndex: 0).action == .replace)
        #expect(engine.evaluate(metrics: [GPUMetric.nvlinkLinksDown: 1], gpuIndex: 0).verdict == .unhealthy)
    }

    @Test func checks() {
        var engine = HealthPolicyEngine()
        #expect(engine.evaluate(.check(name: "gpu_count", status: .fail, gpuIndex: nil, message: "7 of 8"), at: start).verdict == .unhealthy)
        #expect(engine.evaluate(.check(name: "dcgm_health", status: .warn, gpuIndex: 0, message: ""), at: start).verdict == .degraded)
        #expect(engine.evaluate(.check(name: "cuda_memory", status: .skip, gpuIndex: nil, message: "no libcuda"), at: start).verdict == .healthy)
    }
}

@Suite struct XIDExplanationTests {
    @Test func explainsEscalationIgnoringAndUnknownCodes() {
        let thirteen = XIDExplanation(code: 13, policy: .builtin)
        #expect(thirteen.entry?.immediate == "RESTART_APP")
        #expect(thirteen.outcomes.map(\.rule) == ["xid-application-error", "xid-application-error-repeated"])
        #expect(thirteen.outcomes.map(\.when) == ["first occurrence", "3 within 24h on one GPU"])
        #expect(thirteen.text.contains("3 within 24h on one GPU -> unhealthy, reset_gpu (rule xid-application-error-repeated)"))
        var policy = HealthPolicy.builtin
        policy.ignoredXIDs = [79]
        let ignored = XIDExplanation(code: 79, policy: policy)
        #expect(ignored.ignored && ignored.outcomes.isEmpty && ignored.text.contains("ignored (ignore_xids)"))
        let unknown = XIDExplanation(code: 999, policy: .builtin)
        #expect(unknown.entry == nil && unknown.outcomes.map(\.rule) == ["xid-unclassified"])
        #expect(XIDExplanation(code: 145, policy: .builtin).decodedFromMessage.contains("33 rows"))
    }
}
