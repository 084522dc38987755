import Foundation

/// What the `local` provider writes about each agent it starts, so that a restarted control
/// plane finds its processes again.
struct LocalInstanceRecord: Codable, Sendable {
    var instanceID: String
    var nodeID: String
    var pool: String
    var pid: Int32
    var startedAt: Date
    var kmsgPath: String
    var logPath: String
}
