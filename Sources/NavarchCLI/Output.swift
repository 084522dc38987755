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
        table(header, rows, widths: widths(header, rows))
    }

    /// Each column's width: its widest cell, header included.
    static func widths(_ header: [String], _ rows: [[String]]) -> [Int] {
        let all = [header] + rows
        return header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
    }

    /// Rows padded to `widths` (a table printed in parts keeps its first part's columns), with
    /// the header line or without it.
    static func table(_ header: [String], _ rows: [[String]], widths: [Int], showHeader: Bool = true) -> String {
        let all = (showHeader ? [header] : []) + rows
        return all.map { row in
            row.enumerated().map { index, cell in
                // Padded, never cut: a cell wider than its column (a later page's) pushes the row.
                index == row.count - 1 || cell.count >= widths[index] ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
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

    static func nodeRows(_ nodes: [Node], wide: Bool = false, now: Date = Date()) -> String {
        table(nodeHeader(wide: wide), nodes.map { nodeRow($0, wide: wide, now: now) })
    }

    /// The node table's columns; `wide` adds the instance, provider, host, agent and healthy GPUs.
    static func nodeHeader(wide: Bool) -> [String] {
        wide
            ? ["NODE", "POOL", "STATE", "HEALTH", "GPUS", "HEALTHY GPUS", "MODEL", "INSTANCE", "PROVIDER", "HOST", "AGENT", "LAST HEARTBEAT", "REASON"]
            : ["NODE", "POOL", "STATE", "HEALTH", "GPUS", "MODEL", "LAST HEARTBEAT", "REASON"]
    }

    static func nodeRow(_ node: Node, wide: Bool = false, now: Date = Date()) -> [String] {
        let dash = { (text: String) in text.isEmpty ? "-" : text }
        let reason = [node.healthReason, node.cordonReason].filter { !$0.isEmpty }.joined(separator: "; ")
        guard wide else {
            return [
                node.id, dash(node.pool), node.state.rawValue, node.health.rawValue, "\(node.gpus.count)", node.gpus.first?.model ?? "-",
                age(node.lastHeartbeat, now: now), reason,
            ]
        }
        return [
            node.id, dash(node.pool), node.state.rawValue, node.health.rawValue, "\(node.gpus.count)",
            "\(node.gpus.filter { $0.health == .healthy }.count)", node.gpus.first?.model ?? "-", dash(node.instanceID), dash(node.provider),
            dash(node.hostname), dash(node.agentVersion), age(node.lastHeartbeat, now: now), reason,
        ]
    }

    /// Prints nodes a page at a time as they come: the first page sets the columns' widths.
    struct NodeTablePrinter {
        /// The wide columns (`-o wide`).
        var wide = false
        private var widths: [Int]?
        /// Nodes printed so far.
        private(set) var printed = 0

        init(wide: Bool = false) {
            self.wide = wide
        }

        mutating func print(_ nodes: [Node], now: Date = Date()) {
            guard !nodes.isEmpty else { return }
            let header = nodeHeader(wide: wide)
            let rows = nodes.map { nodeRow($0, wide: wide, now: now) }
            let first = widths == nil
            let widths = widths ?? Output.widths(header, rows)
            self.widths = widths
            Swift.print(table(header, rows, widths: widths, showHeader: first))
            printed += nodes.count
            flush()
        }
    }
}

extension Output {
    /// Flushes standard output, so that progress reaches a pipe at once.
    static func flush() {
        fflush(nil)
    }
}
