import Foundation

/// The bandwidth matrices `nvbandwidth` prints, one per test case (`Running host_to_device_memcpy_ce.`
/// followed by a matrix in GB/s).
public struct NVBandwidthReport: Sendable, Equatable {
    public struct TestCase: Sendable, Equatable {
        public var name: String
        /// Every measured cell in GB/s; the diagonal of a device-to-device matrix (0.00, or N/A) is left out.
        public var values: [Double]
        public var minimum: Double { values.min() ?? 0 }
        public var average: Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
    }

    public var testCases: [TestCase]

    public subscript(name: String) -> TestCase? { testCases.first { $0.name == name } }

    public static func parse(_ text: String) throws -> NVBandwidthReport {
        var cases: [TestCase] = []
        var current: TestCase? = nil
        var columns = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("Running "), line.hasSuffix(".") {
                if let done = current, !done.values.isEmpty { cases.append(done) }
                current = TestCase(name: String(line.dropFirst(8).dropLast()), values: [])
                columns = 0
                continue
            }
            guard current != nil else { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if columns == 0 {
                if !fields.isEmpty && fields.allSatisfy({ Int($0) != nil }) { columns = fields.count }
                continue
            }
            guard fields.count >= 2, let row = Int(fields[0]) else {
                if line.isEmpty || line.hasPrefix("SUM") { columns = line.isEmpty ? 0 : columns }
                continue
            }
            for (column, cell) in fields.dropFirst().enumerated() {
                guard let value = Double(cell), value.isFinite else { continue }
                let diagonal = current!.name.contains("device_to_device") && column == row
                if !diagonal { current!.values.append(value) }
            }
        }
        if let done = current, !done.values.isEmpty { cases.append(done) }
        guard !cases.isEmpty else { throw ToolOutputError(tool: "nvbandwidth", problem: "no bandwidth matrix in the output") }
        return NVBandwidthReport(testCases: cases)
    }
}
