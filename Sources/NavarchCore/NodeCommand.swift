import Foundation

/// A command sent from the control plane to a node agent.
public struct NodeCommand: Sendable, Codable, Equatable, Identifiable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case cordon
        case drain
        case uncordon
        case terminate
    }

    public var id: String
    public var nodeID: String
    public var kind: Kind
    public var reason: String
    public var issuedAt: Date
    /// Set once the node acknowledged the command.
    public var acknowledgedAt: Date?

    public init(id: String, nodeID: String, kind: Kind, reason: String, issuedAt: Date, acknowledgedAt: Date? = nil) {
        self.id = id
        self.nodeID = nodeID
        self.kind = kind
        self.reason = reason
        self.issuedAt = issuedAt
        self.acknowledgedAt = acknowledgedAt
    }
}
