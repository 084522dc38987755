import Foundation
import NavarchHealth
import Testing

/// Checks the compiled-in catalog against NVIDIA's spreadsheet, copied as CSV with its provenance.
@Suite struct XIDCatalogTests {
    static func csv(_ name: String) throws -> [[String]] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/nvidia-xid-catalog/\(name)", withExtension: nil))
        return CSVParser.records(String(decoding: try Data(contentsOf: url), as: UTF8.self))
    }

    @Test func everyCodeMatchesTheSpreadsheet() throws {
        let rows = try Self.csv("xids.csv").dropFirst().filter { $0.first == "XID" }
        #expect(rows.count == 172)
        let catalog = XIDCatalog.nvidia
        #expect(catalog.codes == Array(1...172))
        for row in rows {
            let code = try #require(Int(row[1]))
            let entry = try #require(catalog[code], "XID \(code) is missing from the compiled catalog")
            #expect(entry.mnemonic == row[2], "XID \(code) mnemonic")
            #expect(entry.description == row[3], "XID \(code) description")
            #expect(entry.immediate == row[8], "XID \(code) immediate bucket")
            #expect(entry.investigatory == row[9], "XID \(code) investigatory bucket")
            #expect(entry.triggerConditions == row[11], "XID \(code) trigger conditions")
            let generations = zip(["A100", "H100", "B100", "GB200"], row[4...7]).filter { $0.1 == "YES" }.map(\.0)
            #expect(entry.appliesTo == generations, "XID \(code) generations")
        }
    }

    @Test func knownCodesCarryNVIDIAsResolution() throws {
        let catalog = XIDCatalog.nvidia
        #expect(catalog[79]?.mnemonic == "ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS")
        #expect(catalog[79]?.immediateBucket == .restartBareMetal)
        #expect(catalog[48]?.immediateBucket == .workflowXID48)
        #expect(catalog[13]?.immediateBucket == .restartApp)
        #expect(catalog[13]?.investigatory == "WORKFLOW_XID_13")
        #expect(catalog[45]?.immediateBucket == .workflowXID45)
        #expect(catalog[63]?.immediateBucket == .ignore)
        #expect(catalog[95]?.immediateBucket == .resetGPU)
        #expect(catalog[151]?.immediateBucket == .restartVM)
        #expect(catalog[168]?.immediateBucket == .unspecified)
        for code in 144...150 { #expect(catalog[code]?.immediateBucket == .workflowNVLink5) }
    }

    @Test func everyImmediateBucketIsKnownAndExplained() throws {
        for entry in XIDCatalog.nvidia.entries.values {
            #expect(ResolutionBucket(rawValue: entry.immediate) != nil, "XID \(entry.code): unknown bucket '\(entry.immediate)'")
            if !entry.immediate.isEmpty {
                #expect(XIDCatalog.nvidia.bucketGuidance[entry.immediate] != nil, "no guidance for \(entry.immediate)")
            }
        }
    }

    @Test func nvlink5DecodeTableMatchesTheSpreadsheet() throws {
        let rows = try Self.csv("xid-144-150-decode.csv").dropFirst().filter { $0.first.map { Int($0) != nil } ?? false }
        let decode = XIDCatalog.nvidia.nvlink5Decode
        #expect(decode.count == rows.count)
        for (row, entry) in zip(rows, decode) {
            #expect(entry.code == Int(row[0]))
            #expect(entry.unit == row[1])
            #expect(entry.intrInfoFromR575 == row[3])
            #expect(entry.errorStatuses == row[4].split(separator: "/").compactMap { UInt32($0.dropFirst(2), radix: 16) })
            #expect(entry.immediate == row[5])
            #expect(entry.severity == row[10])
        }
    }

    @Test func decodesNVLink5ByInterruptInfoAndErrorStatus() {
        // XID 144 SAW_MVB from R575: IntrInfo[6:0] = 0000001, bits 11..6 zero.
        let intrInfo: UInt32 = 0b0000001
        #expect(XIDCatalog.nvidia.decodeNVLink5(code: 144, intrInfo: intrInfo, errorStatus: 0x2).first?.immediateBucket == .resetGPU)
        #expect(XIDCatalog.nvidia.decodeNVLink5(code: 144, intrInfo: intrInfo, errorStatus: 0x4).first?.immediateBucket == .ignore)
        // Two bits at once: the most severe resolution comes first.
        #expect(XIDCatalog.nvidia.decodeNVLink5(code: 144, intrInfo: intrInfo, errorStatus: 0x6).first?.immediateBucket == .resetGPU)
        #expect(XIDCatalog.nvidia.decodeNVLink5(code: 144, intrInfo: 0xFFFF_FFFF, errorStatus: 0x2).isEmpty)
        // XID 150 MSE_WATCHDOG is the row for an error status of zero.
        #expect(XIDCatalog.nvidia.decodeNVLink5(code: 150, intrInfo: 0, errorStatus: 0).contains { $0.unit == "MSE_WATCHDOG" })
        let message = "Link 07 (0x00000001 0x00000002 0x00000000 0x00000000 0x00000000 0x00000000)"
        #expect(XIDResolution.bucket(code: 144, message: message) == .resetGPU)
        #expect(XIDResolution.bucket(code: 144, message: "garbled") == .workflowNVLink5)
    }

    @Test func xid154NamesTheRecoveryAction() {
        #expect(XIDResolution.bucket(code: 154, message: "GPU recovery action changed from 0x0 (None) to 0x2 (Node Reboot Required)") == .restartBareMetal)
        #expect(XIDResolution.bucket(code: 154, message: "GPU recovery action changed from 0x0 (None) to 0x1 (GPU Reset Required)") == .resetGPU)
        #expect(XIDResolution.bucket(code: 154, message: "GPU recovery action changed from 0x1 (GPU Reset Required) to 0x0 (None)") == .ignore)
        #expect(XIDResolution.bucket(code: 154, message: "") == .xid154)
    }

    @Test func csvParserHandlesQuotesAndLineBreaks() {
        let records = CSVParser.records("a,\"b, c\",\"line1\nline2\",\"say \"\"hi\"\"\"\r\n1,,3,\n")
        #expect(records == [["a", "b, c", "line1\nline2", "say \"hi\""], ["1", "", "3", ""]])
    }
}
