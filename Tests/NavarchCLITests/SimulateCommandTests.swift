import Foundation
import Testing

/// `navarch simulate` as a person runs it: a scenario file in, a report out, the exit code
/// saying whether its assertions held.
@Suite struct SimulateCommandTests {
    func scenario(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func runPrintsTheReportAndItsExitCodeFollowsTheAssertions() async throws {
        let passing = try scenario("""
            name: xid
            fleet: [{id: node-1}, {id: node-2}]
            events:
              - {at: 0s, action: start_fleet}
              - {at: 5s, action: inject_failure, target: node-1, params: {failure_type: xid_error, xid_code: 79, gpu_index: 3}}
              - {at: 6s, action: wait_for_status, target: node-1, params: {expected_status: unhealthy, timeout: 10s}}
            assertions:
              - {type: node_status, target: node-2, expected: active}
              - {type: node_status, target: node-1, expected: unhealthy}
            """)
        defer { try? FileManager.default.removeItem(atPath: passing) }
        let table = try await navarch(["simulate", "run", passing])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("PASS node_status node-1 expected unhealthy") && table.stdout.contains("[6s] node-1 is unhealthy"), "\(table.stdout)")
        let json = try await navarch(["simulate", "run", passing, "--seed", "5", "-o", "json"])
        let again = try await navarch(["simulate", "run", passing, "--seed", "5", "-o", "json"])
        #expect(json.status == 0 && json.stdout == again.stdout)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(report["seed"] as? Int == 5 && report["scenario"] as? String == "xid")

        let failing = try scenario("""
            name: count
            fleet: [{id: node-1}]
            events: [{at: 0s, action: start_fleet}]
            assertions: [{type: node_count, expected: "4"}]
            """)
        defer { try? FileManager.default.removeItem(atPath: failing) }
        let failed = try await navarch(["simulate", "run", failing])
        #expect(failed.status == 1 && failed.stdout.contains("FAIL node_count  expected 4, got 1") && failed.stderr.isEmpty, "\(failed.stdout)\(failed.stderr)")
    }

    @Test func validateNamesTheFileLineAndKeyOfAMistake() async throws {
        let bad = try scenario("""
            name: bad
            fleet: [{id: node-1}]
            events:
              - {at: 0s, action: start_fleet}
              - {at: 2s, action: inject_failure, target: node-9}
            """)
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let result = try await navarch(["simulate", "validate", bad])
        #expect(result.status != 0 && result.stderr.contains("\(bad):5") && result.stderr.contains("events[1].target"), "\(result.stderr)")
    }

    /// Two policies on one seed, side by side; the policy a scenario names is read beside it.
    @Test func compareRunsTwoPoliciesAndWritesAnHTMLReport() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("compare-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = directory.appendingPathComponent("sweep.yaml").path
        try """
            name: sweep
            policy: one-reset.yaml
            pools: [{name: p, provider: gcp, gpu_type: h100, nodes: 6}]
            world: {reset_success: 0.5}
            stress:
              duration: 1d
              chaos: {enabled: true, failure_rate: 40, xid_distribution: {"48": 1}, failure_types: [{type: xid_error}]}
            """.write(toFile: scenario, atomically: true, encoding: .utf8)
        for (name, resets) in [("one-reset.yaml", 1), ("four-resets.yaml", 4)] {
            try "remediation:\n  gpu_resets: \(resets)\n".write(toFile: directory.appendingPathComponent(name).path, atomically: true, encoding: .utf8)
        }
        let html = directory.appendingPathComponent("compare.html").path
        let result = try await navarch([
            "simulate", "compare", scenario, "--policy", directory.appendingPathComponent("one-reset.yaml").path,
            "--policy", directory.appendingPathComponent("four-resets.yaml").path, "--report", html,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("one-reset.yaml") && result.stdout.contains("four-resets.yaml") && result.stdout.contains("GPU resets"), "\(result.stdout)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<svg") && page.contains("sweep"))

        // The scenario's own policy (one reset) against the same run with four: more resets.
        let own = try await navarch(["simulate", "run", scenario, "-o", "json"])
        let four = try await navarch(["simulate", "run", scenario, "-o", "json", "--policy", directory.appendingPathComponent("four-resets.yaml").path])
        func resets(_ json: String) throws -> Int {
            let report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let metrics = try #require(report["metrics"] as? [String: Any])
            let repairs = try #require(metrics["repairs"] as? [String: [String: Int]])
            return repairs["reset_gpu"]?["requested"] ?? 0
        }
        #expect(try resets(four.stdout) > resets(own.stdout), "\(own.stdout.prefix(300))")

        let one = try await navarch(["simulate", "compare", scenario, "--policy", "a.yaml"])
        #expect(one.status != 0 && one.stderr.contains("compare needs two policies"), "\(one.stderr)")
    }

    @Test func aPolicyFileWithABadKeyIsNamed() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = directory.appendingPathComponent("s.yaml").path
        try "name: s\nfleet: [{id: node-1}]\nevents: [{at: 0s, action: start_fleet}]\n".write(toFile: scenario, atomically: true, encoding: .utf8)
        let policy = directory.appendingPathComponent("bad.yaml").path
        try "remediation:\n  gpu_resetz: 3\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let result = try await navarch(["simulate", "run", scenario, "--policy", policy])
        #expect(result.status != 0 && result.stderr.contains("bad.yaml") && result.stderr.contains("gpu_resetz"), "\(result.stderr)")
    }
}
