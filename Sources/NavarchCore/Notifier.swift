import Foundation

/// Sends alerts when notable events occur.
public protocol Notifier: Sendable {
    func notify(_ event: FleetEvent) async throws
}

/// The built-in notifier: one line per event to a sink (standard output by default), a JSON
/// object by default or the readable form of ``format(_:)``.
public struct LogNotifier: Notifier {
    public enum Style: Sendable { case json, text }

    private let style: Style
    private let write: @Sendable (String) -> Void

    public init(style: Style = .json, write: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.style = style
        self.write = write
    }

    public func notify(_ event: FleetEvent) async throws {
        write(style == .json ? LogNotifier.jsonLine(event) : LogNotifier.format(event))
    }

    /// `{"attributes":{...},"event":"node.cordoned","instance":"...","node":"demo-0",...}` on one line.
    public static func jsonLine(_ event: FleetEvent) -> String {
        let object: [String: Any] = [
            "time": Timestamp.iso8601(event.time), "event": event.kind, "severity": event.severity.rawValue, "node": event.nodeID,
            "instance": event.instanceID, "pool": event.pool, "message": event.message, "sequence": event.sequence,
            "attributes": event.attributes,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// `2026-11-30T09:40:55.123Z node.cordoned node=demo-0 pool=demo: message`
    public static func format(_ event: FleetEvent) -> String {
        var line = "\(Timestamp.iso8601(event.time)) \(event.kind)"
        if !event.nodeID.isEmpty { line += " node=\(event.nodeID)" }
        if !event.instanceID.isEmpty { line += " instance=\(event.instanceID)" }
        if !event.pool.isEmpty { line += " pool=\(event.pool)" }
        return line + ": " + event.message
    }
}
