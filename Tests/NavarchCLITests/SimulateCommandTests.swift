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
}
