import Foundation

/// The summary of an `nccl-tests` run such as `all_reduce_perf`: average bus bandwidth, the
/// best bus bandwidth of any message size, and the out-of-bounds (wrong result) count.
public struct NCCLTestsReport: Sendable, Equatable {
    public var averageBusBandwidth: Double
    /// Highest out-of-place bus bandwidth over all message sizes, in GB/s.
    public var peakBusBandwidth: Double
    public var outOfBounds: Int
    public var sizes: Int

    public static func parse(_ text: String) throws -> NCCLTestsReport {
        var average: Double? = nil
        var outOfBounds = 0
        var peak = 0.0
        var sizes = 0
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("# Avg bus bandwidth"), let value = line.split(separator: ":").last.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) {
                average = value
            } else if line.hasPrefix("# Out of bounds values"), let value = line.split(separator: ":").last?.split(separator: " ").first.flatMap({ Int($0) }) {
                outOfBounds = value
            } else if !line.hasPrefix("#") {
                // size count type redop root time algbw busbw #wrong time algbw busbw #wrong
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count >= 8, Int(fields[0]) != nil, Int(fields[1]) != nil else { continue }
                let busBandwidthField = fields.count >= 13 ? 7 : 6
                if let busBandwidth = Double(fields[busBandwidthField]) {
                    peak = max(peak, busBandwidth)
                    sizes += 1
                }
            }
        }
        guard let average else { throw ToolOutputError(tool: "nccl-tests", problem: "no \"# Avg bus bandwidth\" line; the run did not finish") }
        return NCCLTestsReport(averageBusBandwidth: average, peakBusBandwidth: peak, outOfBounds: outOfBounds, sizes: sizes)
    }
}
