import Logging
import Synchronization

/// A log handler that keeps every message it is given, so that a test can show what a
/// component logged (`Logger(label: "test") { _ in RecordingLogHandler(into: records) }`).
public struct RecordingLogHandler: LogHandler {
    /// One logged message, with its metadata rendered as text.
    public struct Record: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }

    private let records: Recorder<Record>
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public init(into records: Recorder<Record>) {
        self.records = records
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        records.append(Record(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
}

extension Logger {
    /// A logger whose messages go into `records`.
    public static func recording(into records: Recorder<RecordingLogHandler.Record>, label: String = "test") -> Logger {
        Logger(label: label) { _ in RecordingLogHandler(into: records) }
    }
}
