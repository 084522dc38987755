import Foundation
import NavarchHealth
import Testing

@Suite struct KernelLogParserTests {
    static func fixture(_ name: String) throws -> [String] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/kernel-log/\(name)", withExtension: nil))
        return String(decoding: try Data(contentsOf: url), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    static func records(_ name: String) throws -> [KernelLogRecord] {
        try fixture(name).compactMap(KernelLogParser.parse)
    }

    @Test func xid79WithUnknownProcess() {
        let line = "[6781741.548779] NVRM: Xid (PCI:0000:91:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus."
        #expect(KernelLogParser.parse(line) == .xid(XIDRecord(pciAddress: "0000:91:00", code: 79, message: "GPU has fallen off the bus.")))
    }

    @Test func xidWithProcess() {
        let line = "2024-11-15T12:02:03,521616+00:00 NVRM: Xid (PCI:0000:19:00): 94, pid=1248209, name=python3.10, Ch 00000008"
        #expect(KernelLogParser.parse(line) == .xid(XIDRecord(pciAddress: "0000:19:00", code: 94, pid: 1_248_209, processName: "python3.10", message: "Ch 00000008")))
    }

    @Test func xidWithPidOnly() {
        let line = "NVRM: Xid (PCI:0000:10:1c): 63, pid=1896, Row Remapper: New row marked for remapping, reset gpu to activate."
        #expect(KernelLogParser.parse(line) == .xid(XIDRecord(pciAddress: "0000:10:1c", code: 63, pid: 1896, message: "Row Remapper: New row marked for remapping, reset gpu to activate.")))
    }

    @Test func xidWithoutPidOrName() {
        #expect(KernelLogParser.parse("NVRM: Xid (PCI:0000:3b:00): 13, Graphics Exception: ESR 0x1") ==
            .xid(XIDRecord(pciAddress: "0000:3b:00", code: 13, message: "Graphics Exception: ESR 0x1")))
    }

    @Test func kmsgRecordAndEightDigitDomain() {
        let line = "4,1234,5678901234,-;NVRM: Xid (PCI:00000000:18:00): 48, pid='<unknown>', name=<unknown>, DBE"
        #expect(KernelLogParser.parse(line) == .xid(XIDRecord(pciAddress: "0000:18:00", code: 48, message: "DBE")))
    }

    @Test func gpuAddressLine() {
        #expect(KernelLogParser.parse("[Sun Feb 23 16:24:18 2025] NVRM: GPU at PCI:0000:9b:00: GPU-509665ad-b600-ac93-3616-d754b23d636d")
            == .gpuAddress(pciAddress: "0000:9b:00", uuid: "GPU-509665ad-b600-ac93-3616-d754b23d636d"))
    }

    @Test func nvswitchSXid() {
        let line = "[6781753.400584] nvidia-nvswitch1: SXid (PCI:0000:06:00.0): 20034, Fatal, Link 48 LTSSM Fault Up"
        #expect(KernelLogParser.parse(line) == .sxid(XIDRecord(pciAddress: "0000:06:00", code: 20034, message: "Fatal, Link 48 LTSSM Fault Up")))
    }

    @Test func recordedXID79AndSXidLog() throws {
        let records = try Self.records("gpud-readme-xid79-sxid20034.log")
        #expect(records.first == .gpuAddress(pciAddress: "0000:91:00", uuid: "GPU-b6c3b2be-c55b-d076-fa0e-d464e4c7e08b"))
        #expect(records.filter { if case .xid(let x) = $0 { x.code == 79 } else { false } }.count == 1)
        #expect(records.filter { if case .sxid(let x) = $0 { x.code == 20034 } else { false } }.count == 8)
    }

    @Test func recordedDecodedLogHasEveryXID() throws {
        let lines = try Self.fixture("gpud-dmesg-decode-iso-xid13-43.log")
        let records = lines.compactMap(KernelLogParser.parse)
        #expect(records.count == lines.filter { $0.contains("NVRM: Xid (PCI") }.count)
        let codes = Set(records.compactMap { if case .xid(let x) = $0 { x.code } else { nil } })
        #expect(codes == [13, 43])
        #expect(records.allSatisfy { if case .xid(let x) = $0 { x.pciAddress == "0000:38:00" } else { false } })
    }

    @Test func recordedXID48Log() throws {
        let codes = try Self.records("gpud-xid48-63-94-peermem.log").compactMap { if case .xid(let x) = $0 { x.code } else { nil } }
        #expect(codes.first == 48)
        #expect(Set(codes) == [48, 63, 94])
        #expect(codes.count == 11)
    }

    @Test func recordedXID119Log() throws {
        let records = try Self.records("gpud-xid119-gsp-timeout-xe9680.log")
        #expect(records.filter { if case .xid(let x) = $0 { x.code == 119 && x.processName != nil } else { false } }.count == 5)
        #expect(records.contains(.gpuAddress(pciAddress: "0000:9b:00", uuid: "GPU-509665ad-b600-ac93-3616-d754b23d636d")))
    }

    @Test func logWithoutXIDsYieldsNothing() throws {
        #expect(try Self.records("gpud-pstore-dmesg-syslog-prefix.log").isEmpty)
    }

    @Test(arguments: [
        "NVRM: Xid (PCI:0000:18:00): ", "NVRM: Xid (PCI:0000:18:00", "NVRM: Xid (PCI:zz:18:00): 79, x",
        "NVRM: Xid (PCI:0000:18:00): abc, pid=1", "NVRM: Xid (PCI:0000:18:00) 79", "NVRM: Xid (PCI:): 79",
        "NVRM: GPU at PCI:0000:18:00", "NVRM: GPU at PCI:nothex: GPU-12345678", "SXid (PCI:", "",
        "NVRM: Xid (PCI:0000:18:00): 12345678901234567890, overflow",
    ])
    func truncatedOrMalformedLinesYieldNothing(_ line: String) {
        #expect(KernelLogParser.parse(line) == nil)
    }

    @Test func hugeLineYieldsNothing() {
        let line = "NVRM: Xid (PCI:0000:18:00): 79, " + String(repeating: "x", count: 100_000)
        #expect(KernelLogParser.parse(line) == nil)
    }

    /// Random bytes, random cuts of real lines and random splices never crash the parser and
    /// never produce a record from text that holds no driver marker.
    @Test func fuzzedInputNeverCrashesOrInventsRecords() async throws {
        var generator = SystemRandomNumberGenerator()
        let real = try Self.fixture("gpud-readme-xid79-sxid20034.log") + Self.fixture("gpud-xid48-63-94-peermem.log")
        for round in 0..<20_000 {
            if round % 200 == 0 { await Task.yield() }  // CPU-bound: let other tests' tasks run
            let line: String
            switch round % 3 {
            case 0:
                let bytes = (0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                line = String(decoding: bytes, as: UTF8.self)
            case 1:
                let source = real.randomElement(using: &generator) ?? ""
                line = String(source.prefix(Int.random(in: 0...source.count, using: &generator)))
            default:
                let source = Array(real.randomElement(using: &generator) ?? "")
                var mutated = source
                if !mutated.isEmpty {
                    for _ in 0..<3 { mutated[Int.random(in: 0..<mutated.count, using: &generator)] = Character(UnicodeScalar(UInt8.random(in: 32...126, using: &generator))) }
                }
                line = String(mutated)
            }
            let record = KernelLogParser.parse(line)
            if record != nil {
                #expect(line.contains("Xid (PCI:") || line.contains("GPU at PCI:"), "record from \(line.debugDescription)")
            }
        }
    }
}
