import Foundation
import NavarchHealth
import Testing

/// Parsers for GPU tools, checked against real recorded outputs (Fixtures/gpu-tools, see PROVENANCE.md).
@Suite struct GPUToolParserTests {
    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/gpu-tools/\(name)", withExtension: nil))
        return String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }

    @Test func dcgm3DiagnosticPasses() throws {
        let report = try DCGMDiagnosticReport.parse(try Self.fixture("virtualclient-t4-r1.json"))
        #expect(report.results.count == 9)
        #expect(report.results.contains { $0.test == "Page Retirement/Row Remap" && $0.status == .pass })
        #expect(report.overall == .pass)
    }

    @Test func dcgm3WithWarningPrefixAndPerGPUResults() throws {
        let report = try DCGMDiagnosticReport.parse(try Self.fixture("dcgm-3.1.0-8gpu-with-warning-prefix.json"))
        let denylist = report.results.filter { $0.test == "Denylist" }
        #expect(denylist.map(\.gpuIndex) == Array(0...7))
        #expect(report.results.allSatisfy { [.pass, .skip, .warn, .fail].contains($0.status) })
    }

    @Test func dcgm4DiagnosticFailureNamesTheGPUAndTheReason() throws {
        let report = try DCGMDiagnosticReport.parse(try Self.fixture("gb10-dcgm-4.2.3-fail.json"))
        #expect(report.dcgmVersion == "4.2.3")
        #expect(report.overall == .fail)
        let failure = try #require(report.failures.first)
        #expect(failure.test == "software" && failure.gpuIndex == 0)
        #expect(failure.messages.contains { $0.contains("Persistence mode for GPU 0 is disabled") })
    }

    @Test func dcgmLevels2And3() throws {
        for name in ["virtualclient-t4-r2.json", "virtualclient-t4-r3.json"] {
            let report = try DCGMDiagnosticReport.parse(try Self.fixture(name))
            #expect(report.results.count > 9, "\(name)")
        }
    }

    @Test func dcgmHealthHealthy() throws {
        let report = try DCGMHealthReport.parse(try Self.fixture("virtualclient-health-c-j-healthy.json"))
        #expect(report.overall == .pass && report.incidents.isEmpty)
    }

    @Test func dcgmHealthIncidentsInDCGMsNesting() throws {
        let text = """
            {"body": {"GPU ID: 0": {"Memory": {"value": "Failure", "message": "A DBE has occurred"},
                                    "PCIe": {"value": "Healthy"}},
                      "Overall Health": {"value": "Failure"}},
             "header": ["Health Monitor Report"]}
            """
        let report = try DCGMHealthReport.parse(text)
        #expect(report.overall == .fail)
        #expect(report.incidents == [.init(path: "GPU ID: 0 / Memory", status: .fail, message: "A DBE has occurred")])
    }

    @Test(arguments: ["", "not json", "{\"body\": {}}", "{\"DCGM Diagnostic\": 3}", String(repeating: "{", count: 10_000)])
    func malformedToolOutputIsAnErrorNamingTheTool(text: String) {
        #expect(throws: ToolOutputError.self) { try DCGMDiagnosticReport.parse(text) }
        #expect(throws: ToolOutputError.self) { try DCGMHealthReport.parse(text) }
        #expect(throws: ToolOutputError.self) { try NCCLTestsReport.parse(text) }
        #expect(throws: ToolOutputError.self) { try NVBandwidthReport.parse(text) }
    }

    @Test func nvidiaSMIList() throws {
        let a100 = NvidiaSMIList.parse(try Self.fixture("superbench-a100x8-via-gpu-burn.txt"))
        #expect(a100.gpus.count == 8)
        #expect(a100.gpus[0] == .init(index: 0, name: "NVIDIA A100-SXM4-80GB", uuid: "GPU-b876c63f-396c-f826-5cd0-6b8409990352", migDevices: []))
        let mig = NvidiaSMIList.parse(try Self.fixture("utkuozdemir-h200-mig-590.48.01.txt"))
        #expect(mig.gpus.count == 1 && mig.gpus[0].name == "NVIDIA H200" && mig.gpus[0].migDevices.count == 5)
    }

    @Test func nvbandwidthMatrices() throws {
        let d2d = try NVBandwidthReport.parse(try Self.fixture("nvbandwidth-readme-d2d-write-ce-8gpu.txt"))
        let writes = try #require(d2d["device_to_device_memcpy_write_ce"])
        #expect(writes.values.count == 56, "8x8 without the diagonal")
        #expect(writes.minimum == 274.89)
        let h2d = try NVBandwidthReport.parse(try Self.fixture("nvbandwidth-readme-h2d-snippets.txt"))
        #expect(h2d["host_to_device_memcpy_ce"]?.values.count == 8)
        #expect(h2d["host_to_device_memcpy_ce"]?.minimum == 25.94)
        let gh200 = try NVBandwidthReport.parse(try Self.fixture("superbench-gh200-v0.6.txt"))
        #expect(gh200["host_to_device_memcpy_ce"]?.values == [369.36, 269.33, 412.11, 323.36, 299.33, 312.11])
    }

    @Test func ncclAllReduce() throws {
        let h100 = try NCCLTestsReport.parse(try Self.fixture("a3mega-h100-16rank-all-reduce.txt"))
        #expect(h100.averageBusBandwidth == 70.742 && h100.outOfBounds == 0)
        #expect(h100.peakBusBandwidth == 338.82)
        let old = try NCCLTestsReport.parse(try Self.fixture("superbench-a100-40gb-old-format.txt"))
        #expect(old.averageBusBandwidth == 68.4048 && old.peakBusBandwidth == 235.26)
        #expect(throws: ToolOutputError.self) { try NCCLTestsReport.parse(try Self.fixture("gcm-mpirun-not-enough-slots-failure.txt")) }
    }
}
