import Foundation

/// A command sent from the control plane to a node agent.
public struct NodeCommand: Sendable, Codable, Equatable, Identifiable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case cordon
        case drain
        case uncordon
        case terminate
        /// Run an active diagnostic; `parameters` name the suite and level.
        case runDiagnostic = "run_diagnostic"
        /// Reset one GPU (`nvidia-smi -r -i N`, the node drained first) and run the boot checks
        /// again; `parameters["gpu"]` names the GPU.
        case resetGPU = "reset_gpu"
        /// Reboot the machine; the agent registers again when it is back.
        case reboot
    }

    public var id: String
    public var nodeID: String
    public var kind: Kind
    public var reason: String
    public var issuedAt: Date
    /// Set once the node acknowledged the command.
    public var acknowledgedAt: Date?
    /// Command arguments, for example `["suite": "dcgm", "level": "2"]`.
    public var parameters: [String: String]

    public init(
        id: String, nodeID: String, kind: Kind, reason: String, issuedAt: Date, acknowledgedAt: Date? = nil,
        parameters: [String: String] = [:]
    ) {
        self.parameters = parameters
        self.id = id
        self.nodeID = nodeID
        self.kind = kind
        self.reason = reason
        self.issuedAt = issuedAt
        self.acknowledgedAt = acknowledgedAt
    }

    enum CodingKeys: String, CodingKey { case id, nodeID, kind, reason, issuedAt, acknowledgedAt, parameters }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        nodeID = try container.decode(String.self, forKey: .nodeID)
        kind = try container.decode(Kind.self, forKey: .kind)
        reason = try container.decode(String.self, forKey: .reason)
        issuedAt = try container.decode(Date.self, forKey: .issuedAt)
        acknowledgedAt = try container.decodeIfPresent(Date.self, forKey: .acknowledgedAt)
        parameters = try container.decodeIfPresent([String: String].self, forKey: .parameters) ?? [:]
    }
}
