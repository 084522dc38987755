import Foundation

/// A named group of identical nodes kept at a desired size.
public struct Pool: Sendable, Codable, Equatable, Identifiable {
    public var name: String
    public var provider: String
    public var gpuType: String
    public var gpusPerNode: Int
    public var desiredNodes: Int
    public var createdAt: Date
    /// `down` was asked: instances are being terminated and the pool goes once they are.
    public var deleting: Bool
    /// Index used for the next node name (`<pool>-<index>`); never reused.
    public var nextNodeIndex: Int
    /// Spot and placement.
    public var options: PoolOptions
    /// Bounds the autoscaler keeps `desiredNodes` within; 0 and 0 mean no bounds.
    public var minNodes: Int
    public var maxNodes: Int
    /// How the pool picks among its providers; nil for the control plane's `provisioning.strategy`.
    public var strategy: ProvisioningStrategy?
    /// Zones (Lambda: regions) the pool's machines go to, in order; empty for each provider's own.
    public var zones: [String] = []
    /// Labels every node of the pool carries.
    public var labels: [String: String]
    /// How the pool scales on its own; nil: it keeps the size asked for.
    public var autoscaling: PoolAutoscaling? {
        didSet { autoscalerSummary = autoscaling?.autoscaler.summary ?? "" }
    }
    /// Jobs waiting for the pool and running per node, as last reported (`navarch pools report-queue`).
    public var queueDepth: Int
    public var nodeJobs: [String: Int]
    public var queueReportedAt: Date?
    /// The autoscaler described, as the API reports it (``autoscaling`` is the control plane's own).
    public var autoscalerSummary: String

    public var id: String { name }

    public init(
        name: String, provider: String, gpuType: String, gpusPerNode: Int, desiredNodes: Int,
        createdAt: Date, deleting: Bool = false, nextNodeIndex: Int = 0, options: PoolOptions = PoolOptions(),
        minNodes: Int = 0, maxNodes: Int = 0, labels: [String: String] = [:], autoscaling: PoolAutoscaling? = nil
    ) {
        self.minNodes = minNodes
        self.maxNodes = maxNodes
        self.labels = labels
        self.autoscaling = autoscaling
        self.queueDepth = 0
        self.nodeJobs = [:]
        self.autoscalerSummary = autoscaling?.autoscaler.summary ?? ""
        self.name = name
        self.provider = provider
        self.gpuType = gpuType
        self.gpusPerNode = gpusPerNode
        self.desiredNodes = desiredNodes
        self.createdAt = createdAt
        self.deleting = deleting
        self.nextNodeIndex = nextNodeIndex
        self.options = options
    }

    enum CodingKeys: String, CodingKey {
        case name, provider, gpuType, gpusPerNode, desiredNodes, createdAt, deleting, nextNodeIndex, options
        case minNodes, maxNodes, labels, autoscaling, queueDepth, nodeJobs, queueReportedAt, strategy, zones
    }

    /// Decodes pools saved before `options` existed as pools without options.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        provider = try container.decode(String.self, forKey: .provider)
        gpuType = try container.decode(String.self, forKey: .gpuType)
        gpusPerNode = try container.decode(Int.self, forKey: .gpusPerNode)
        desiredNodes = try container.decode(Int.self, forKey: .desiredNodes)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        deleting = try container.decode(Bool.self, forKey: .deleting)
        nextNodeIndex = try container.decode(Int.self, forKey: .nextNodeIndex)
        options = try container.decodeIfPresent(PoolOptions.self, forKey: .options) ?? PoolOptions()
        minNodes = try container.decodeIfPresent(Int.self, forKey: .minNodes) ?? 0
        maxNodes = try container.decodeIfPresent(Int.self, forKey: .maxNodes) ?? 0
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        autoscaling = try container.decodeIfPresent(PoolAutoscaling.self, forKey: .autoscaling)
        queueDepth = try container.decodeIfPresent(Int.self, forKey: .queueDepth) ?? 0
        nodeJobs = try container.decodeIfPresent([String: Int].self, forKey: .nodeJobs) ?? [:]
        queueReportedAt = try container.decodeIfPresent(Date.self, forKey: .queueReportedAt)
        strategy = try container.decodeIfPresent(ProvisioningStrategy.self, forKey: .strategy)
        zones = try container.decodeIfPresent([String].self, forKey: .zones) ?? []
        autoscalerSummary = autoscaling?.autoscaler.summary ?? ""
    }

    /// `desired` within the pool's bounds (when it has any).
    public func clamped(_ desired: Int) -> Int {
        guard minNodes > 0 || maxNodes > 0 else { return max(desired, 0) }
        return min(max(desired, minNodes), maxNodes > 0 ? maxNodes : Int.max)
    }

    /// The providers a pool may use, in order of preference: `provider` is one name or a
    /// comma-separated list (`aws,lambda`).
    public var providerCandidates: [String] { Self.providerCandidates(provider) }

    public static func providerCandidates(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Validates a provider name (a configured cloud section): pools list them separated by commas.
    public static func validateProviderName(_ name: String) throws(NavarchError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard !name.isEmpty, name.count <= 48, name.allSatisfy({ allowed.contains($0) }), name.first != "-", name.last != "-" else {
            throw .invalidArgument("provider name '\(name)' must be 1 to 48 lower-case letters, digits and '-', not starting or ending with '-'")
        }
    }

    /// Validates a pool name: it becomes part of node ids and file names.
    public static func validate(name: String) throws(NavarchError) {
        guard !name.isEmpty else { throw .invalidArgument("pool name must not be empty") }
        guard name.count <= 48 else { throw .invalidArgument("pool name '\(name)' is longer than 48 characters") }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard name.allSatisfy({ allowed.contains($0) }), name.first != "-", name.last != "-" else {
            throw .invalidArgument(
                "pool name '\(name)' must be lower-case letters, digits and '-', not starting or ending with '-'")
        }
    }
}
