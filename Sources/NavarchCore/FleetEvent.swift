import Foundation

/// Something that happened in the fleet, persisted and streamed to `navarch events`.
public struct FleetEvent: Sendable, Codable, Equatable {
    /// Assigned by the store; 0 until persisted.
    public var sequence: Int64
    public var time: Date
    public var kind: String
    public var nodeID: String
    public var instanceID: String
    public var pool: String
    public var message: String
    public var attributes: [String: String]

    public init(
        sequence: Int64 = 0, time: Date, kind: String, nodeID: String = "", instanceID: String = "",
        pool: String = "", message: String, attributes: [String: String] = [:]
    ) {
        self.sequence = sequence
        self.time = time
        self.kind = kind
        self.nodeID = nodeID
        self.instanceID = instanceID
        self.pool = pool
        self.message = message
        self.attributes = attributes
    }
}
