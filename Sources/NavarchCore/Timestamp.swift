import Foundation

/// Conversions between `Date` and the wire and display forms of time.
public enum Timestamp {
    /// Milliseconds since 1970, the wire form.
    public static func unixMilliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The date for milliseconds since 1970.
    public static func date(unixMilliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(unixMilliseconds) / 1000)
    }

    /// RFC 3339 with milliseconds, in UTC.
    public static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
