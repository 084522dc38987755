import Foundation
import NavarchCore

/// Writing tables and JSON to standard output.
enum Output {
    /// Pretty JSON with ISO 8601 dates and sorted keys.
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.iso8601(date))
        }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Left-aligned columns separated by two spaces.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// "3s ago", "2m ago", "never".
    static func age(_ date: Date?, now: Date = Date()) -> String {
        guard let date else { return "never" }
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        if seconds < 120 { return "\(seconds)s ago" }
        if seconds < 7200 { return "\(seconds / 60)m ago" }
        return "\(seconds / 3600)h ago"
    }

    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func nodeRows(_ nodes: [Node], now: Date = Date()) -> String {
        table(
            ["NODE", "POOL", "STATE", "HEALTH", "GPUS", "MODEL", "LAST HEARTBEAT", "REASON"],
            nodes.map { node in
                [
                    node.id, node.pool.isEmpty ? "-" : node.pool, node.state.rawValue, node.health.rawValue,
                    "\(node.gpus.count)", node.gpus.first?.model ?? "-", age(node.lastHeartbeat, now: now),
                    [node.healthReason, node.cordonReason].filter { !$0.isEmpty }.joined(separator: "; "),
                ]
            })
    }
}

extension Output {
    /// Flushes standard output, so that progress reaches a pipe at once.
    static func flush() {
        fflush(nil)
    }
}
