import Foundation

/// Bounds by time of day: inside a window the pool keeps between the window's `min` and `max`
/// nodes, outside every window the pool's own bounds apply. Times are read in `timeZone`.
public struct ScheduledAutoscaler: Autoscaler, Codable, Equatable {
    public struct Window: Sendable, Codable, Equatable {
        /// Week days, 1 = Monday ... 7 = Sunday; empty for every day.
        public var days: [Int]
        /// Minutes since midnight; a window that ends before it starts runs past midnight.
        public var start: Int
        public var end: Int
        public var minNodes: Int
        public var maxNodes: Int

        public init(days: [Int] = [], start: Int, end: Int, minNodes: Int, maxNodes: Int) {
            self.days = days
            self.start = start
            self.end = end
            self.minNodes = minNodes
            self.maxNodes = maxNodes
        }

        /// `08:00` -> 480.
        public static func minutes(_ text: String) -> Int? {
            let parts = text.split(separator: ":")
            guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]), (0...24).contains(hours), (0..<60).contains(minutes),
                  hours * 60 + minutes <= 24 * 60
            else { return nil }
            return hours * 60 + minutes
        }

        func contains(day: Int, minute: Int) -> Bool {
            let previousDay = day == 1 ? 7 : day - 1
            if start <= end {
                return (days.isEmpty || days.contains(day)) && minute >= start && minute < end
            }
            // Past midnight: the evening of a listed day, or the early hours after one.
            return ((days.isEmpty || days.contains(day)) && minute >= start) || ((days.isEmpty || days.contains(previousDay)) && minute < end)
        }
    }

    public var windows: [Window]
    /// An IANA time-zone name, for example `Europe/Paris`.
    public var timeZone: String

    public init(windows: [Window], timeZone: String = "UTC") {
        self.windows = windows
        self.timeZone = timeZone
    }

    public func recommend(_ metrics: AutoscalerMetrics) -> ScaleRecommendation? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: metrics.now)
        // Calendar weekdays are 1 = Sunday ... 7 = Saturday.
        let day = ((parts.weekday ?? 1) + 5) % 7 + 1
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        guard let window = windows.first(where: { $0.contains(day: day, minute: minute) }) else { return nil }
        let clamped = min(max(metrics.desiredNodes, window.minNodes), window.maxNodes)
        return ScaleRecommendation(
            desiredNodes: clamped, minNodes: window.minNodes, maxNodes: window.maxNodes,
            reason: "scheduled window \(Self.clock(window.start))-\(Self.clock(window.end)) \(timeZone): \(window.minNodes)-\(window.maxNodes) node(s)")
    }

    static func clock(_ minutes: Int) -> String {
        String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }
}
