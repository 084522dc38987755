import Foundation
import NavarchHealth
import Testing

/// Cut, mutated and random input never crashes a tool-output or policy parser: each either reads
/// it or throws its own error naming the tool or key.
@Suite struct ParserFuzzTests {
    static func mutations(of text: String, rounds: Int) -> [String] {
        var generator = SystemRandomNumberGenerator()
        let bytes = Array(text.utf8)
        return (0..<rounds).map { round in
            switch round % 4 {
            case 0: return String(decoding: bytes.prefix(Int.random(in: 0...bytes.count, using: &generator)), as: UTF8.self)
            case 1:
                var mutated = bytes
                for _ in 0..<max(1, bytes.count / 200) where !mutated.isEmpty {
                    mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                return String(decoding: mutated, as: UTF8.self)
            case 2: return String(decoding: (0..<Int.random(in: 0...2000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }, as: UTF8.self)
            default:
                let cut = Int.random(in: 0...bytes.count, using: &generator)
                return String(decoding: bytes[cut...] + bytes[..<cut], as: UTF8.self)
            }
        }
    }

    @Test func toolOutputParsers() async throws {
        let fixtures = [
            "gb10-dcgm-4.2.3-fail.json", "virtualclient-t4-r2.json", "virtualclient-health-c-j-healthy.json",
            "nvbandwidth-readme-d2d-write-ce-8gpu.txt", "a3mega-h100-16rank-all-reduce.txt", "utkuozdemir-h200-mig-590.48.01.txt",
        ]
        for name in fixtures {
            for input in Self.mutations(of: try GPUToolParserTests.fixture(name), rounds: 150) {
                await Task.yield()  // CPU-bound: let other tests' tasks run on the shared pool
                for parse in [
                    { _ = try DCGMDiagnosticReport.parse(input) }, { _ = try DCGMHealthReport.parse(input) },
                    { _ = try NVBandwidthReport.parse(input) }, { _ = try NCCLTestsReport.parse(input) },
                ] as [() throws -> Void] {
                    do { try parse() } catch is ToolOutputError {} catch { Issue.record("\(name): unexpected \(type(of: error)): \(error)") }
                }
                _ = NvidiaSMIList.parse(input)
            }
        }
    }

    @Test func policyDocuments() async {
        let rendered = HealthPolicyFile.render(.builtin)
        for input in Self.mutations(of: rendered, rounds: 300) {
            await Task.yield()
            do { _ = try HealthPolicyFile.parse(input) } catch is HealthPolicyError {} catch {
                Issue.record("unexpected \(type(of: error)): \(error)")
            }
        }
    }

    @Test func hugeAndTruncatedKernelLogLinesProduceNothing() {
        let xid = "NVRM: Xid (PCI:0000:18:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus."
        #expect(KernelLogParser.parse(String(repeating: "A", count: 1 << 20) + xid) == nil)
        #expect(KernelLogParser.parse(xid + String(repeating: "B", count: 1 << 20)) == nil)
        for cut in 0..<"NVRM: Xid (PCI:0000:18:00): 7".count {
            #expect(KernelLogParser.parse(String(xid.prefix(cut))) == nil, "\(xid.prefix(cut))")
        }
    }
}
