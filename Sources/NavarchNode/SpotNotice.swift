import Foundation

/// A cloud's notice that it is taking a spot (preemptible) machine back.
public struct SpotNotice: Sendable, Equatable {
    /// `aws`, `gcp` or `azure`.
    public var cloud: String
    /// What the cloud will do: `terminate`, `stop`, `hibernate`, `preempt`.
    public var action: String
    /// When, where the cloud says.
    public var time: Date?

    public init(cloud: String, action: String, time: Date?) {
        self.cloud = cloud
        self.action = action
        self.time = time
    }

    /// The check message the agent reports.
    public var message: String {
        "\(cloud) spot interruption: \(action)" + (time.map { " at \(ISO8601DateFormatter().string(from: $0))" } ?? "")
    }

    /// AWS `spot/instance-action`: `{"action": "terminate", "time": "2017-09-18T08:22:00Z"}`.
    public static func aws(_ body: [UInt8]) -> SpotNotice? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
              let action = object["action"] as? String, !action.isEmpty
        else { return nil }
        return SpotNotice(cloud: "aws", action: action, time: (object["time"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
    }

    /// GCP `instance/preempted`: `TRUE` once the machine is being preempted.
    public static func gcp(_ body: [UInt8]) -> SpotNotice? {
        String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "TRUE"
            ? SpotNotice(cloud: "gcp", action: "preempt", time: nil) : nil
    }

    /// Azure Scheduled Events: the first `Preempt` event.
    public static func azure(_ body: [UInt8]) -> SpotNotice? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
              let events = object["Events"] as? [[String: Any]],
              let preempt = events.first(where: { $0["EventType"] as? String == "Preempt" })
        else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return SpotNotice(cloud: "azure", action: "preempt", time: (preempt["NotBefore"] as? String).flatMap { formatter.date(from: $0) })
    }
}
