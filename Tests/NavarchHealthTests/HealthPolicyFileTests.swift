import NavarchCore
import NavarchHealth
import Testing

@Suite struct HealthPolicyFileTests {
    @Test func overridesAddsDisablesAndIgnores() throws {
        let policy = try HealthPolicyFile.parse("""
            ignore_xids: [43, 63]
            intervals: { metrics: 5s, dcgm_health: 2m }
            rules:
              - name: xid-application-error-repeated
                match: { event: xid, buckets: [RESTART_APP], count: 2, window: 12h }
                verdict: degraded
              - name: xid-restart-bare-metal
                action: replace
              - name: hot-gpu
                match: { event: metric, metric: temperature_celsius, above: 85 }
                verdict: degraded
                action: alert
                reason: our racks run hot
              - name: pcie-replays
                disabled: true
            """)
        #expect(policy.ignoredXIDs == [43, 63])
        #expect(policy.metricsInterval == .seconds(5))
        #expect(policy.dcgmHealthInterval == .seconds(120))
        let repeated = try #require(policy.rule(named: "xid-application-error-repeated"))
        #expect(repeated.match.count == 2 && repeated.match.window == .seconds(12 * 3600) && repeated.match.buckets == [.restartApp])
        #expect(repeated.verdict == .degraded && repeated.action == .resetGPU)
        #expect(policy.rule(named: "xid-restart-bare-metal")?.action == .replace)
        #expect(policy.rule(named: "xid-restart-bare-metal")?.match.buckets == [.restartBareMetal])
        #expect(policy.rule(named: "hot-gpu")?.match.above == 85)
        #expect(policy.rule(named: "pcie-replays") == nil)
        #expect(policy.rules.count == HealthPolicy.builtin.rules.count)
    }

    @Test func renderParsesBackToTheSamePolicy() throws {
        var policy = HealthPolicy.builtin
        policy.ignoredXIDs = [43]
        var match = RuleMatch(event: .check)
        match.checks = ["dcgm_health", "nvidia_smi"]
        match.checkStatus = .warn
        policy.set(HealthRule(name: "odd name: with \"quotes\"", match: match, verdict: .unhealthy, action: .reboot, reason: "line\nbreak"))
        let text = HealthPolicyFile.render(policy)
        #expect(try HealthPolicyFile.parse(text, over: HealthPolicy(rules: [])) == policy)
        #expect(try HealthPolicyFile.parse(text) == policy)
    }

    @Test(arguments: [
        ("rules:\n  - name: x\n    match: { event: xid, xids: [1] }\n    verdict: bad\n", "rules[0].verdict", 4, "expected healthy, degraded or unhealthy"),
        ("rules:\n  - name: x\n    match: { event: xid, xids: [1] }\n    verdict: unhealthy\n    action: explode\n", "rules[0].action", 5, "reset_gpu"),
        ("ignore_xid: [1]\n", "ignore_xid", 1, "unknown key"),
        ("rules:\n  - name: new-rule\n    verdict: degraded\n", "rules[0].match", 2, "needs a match"),
        ("rules:\n  - name: x\n    match: { event: xid, metric: temperature_celsius }\n    verdict: degraded\n", "rules[0].match.metric", 3, "does not apply to event xid"),
        ("rules:\n  - name: x\n    match: { event: xid, buckets: [REBOOT_NOW] }\n    verdict: degraded\n", "rules[0].match.buckets", 3, "unknown bucket"),
        ("rules:\n  - name: x\n    match: { event: xid, xids: [1], window: soon }\n    verdict: degraded\n", "rules[0].match.window", 3, "expected a duration"),
        ("rules:\n  - name: nope\n    disabled: true\n", "rules[0].name", 2, "no rule named"),
        ("ignore_xids: 43\n", "ignore_xids", 1, "expected a list"),
    ] as [(String, String, Int, String)])
    func badInputNamesTheKeyAndLine(text: String, key: String, line: Int, problem: String) {
        #expect {
            try HealthPolicyFile.parse(text)
        } throws: { error in
            guard let error = error as? HealthPolicyError else { return false }
            return error.key == key && error.line == line && error.problem.contains(problem)
        }
    }
}
