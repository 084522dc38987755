import Foundation

/// Sends alerts when notable events occur.
public protocol Notifier: Sendable {
    func notify(_ event: FleetEvent) async throws
}

/// The built-in notifier: one line per event to a sink (standard output by default).
public struct LogNotifier: Notifier {
    private let write: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.write = write
    }

    public func notify(_ event: FleetEvent) async throws {
        write(LogNotifier.format(event))
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
