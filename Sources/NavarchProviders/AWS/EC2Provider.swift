import Foundation
import Logging
import NavarchCore
import Synchronization

/// The `aws` provider: EC2 instances through the Query API. Every instance is tagged with the
/// pool and Navarch's instance id, so that nothing it starts goes untracked: a provision first
/// looks for an instance already carrying its id, and `list` finds them all by tag.
public final class EC2Provider: Provider {
    /// `aws`, or the name of another configured section of this cloud (`aws-west`).
    public let name: String
    public let bootstrapsAgent = true
    public let spotNotices: String? = "aws"
    public let supportsSpot = true
    /// Cluster pools use the configured placement group, or one made for the pool.
    public let supportsClusterPlacement = true
    public let settings: EC2Settings
    public let catalog: OfferingCatalog
    /// The Query API client it calls through.
    public let client: EC2Client
    private let logger: Logger
    /// Placement groups this provider has made (or found) since it started.
    private let placementGroups = Mutex<Set<String>>([])

    /// Tag keys on every instance.
    public enum Tag {
        public static let managedBy = "navarch:managed-by"
        public static let pool = "navarch:pool"
        public static let instanceID = "navarch:instance-id"
        public static let nodeID = "navarch:node-id"
    }

    public init(
        name: String = "aws", settings: EC2Settings, credentials: AWSCredentialProvider, catalog: OfferingCatalog = .builtin,
        calls: ProviderCallLog = ProviderCallLog(), retry: RetryPolicy = RetryPolicy(), timeout: Duration = .seconds(30),
        clock: any NavarchClock = SystemClock(), logger: Logger = Logger(label: "navarch.provider.aws")
    ) throws(ProviderConfigurationError) {
        self.name = name
        try settings.validate()
        self.settings = settings
        self.catalog = catalog
        self.logger = logger
        self.client = EC2Client(
            region: settings.region, endpoint: settings.endpoint, credentials: credentials, calls: calls, retry: retry,
            timeout: timeout, clock: clock, logger: logger)
    }

    public func offers(_ type: InstanceType) -> Bool { catalog.machine(provider: "aws", for: type) != nil }

    public func provision(_ request: ProvisionRequest) async throws -> ProvisionedInstance {
        if let existing = try await find(instanceID: request.instanceID) { return existing }
        guard let machine = catalog.machine(provider: "aws", for: request.instanceType) else {
            throw CloudAPIError(
                provider: name, operation: "RunInstances", kind: .invalidRequest,
                message: "no EC2 instance type for GPU type \(request.instanceType.name)")
        }
        // Subnets decide the zone when there are any; otherwise the pool's zones are asked for
        // one after the other (`Placement.AvailabilityZone`).
        let targets: [(subnet: String?, zone: String?)] = !settings.subnetIDs.isEmpty
            ? settings.subnetIDs.map { ($0, nil) }
            : request.zones.isEmpty ? [(nil, nil)] : request.zones.map { (nil, $0) }
        var lastCapacityError: CloudAPIError?
        for (subnet, zone) in targets {
            do {
                return try await runInstance(request, machineType: machine.machineType, subnet: subnet, zone: zone)
            } catch let error as CloudAPIError where error.kind == .capacity {
                logger.notice(
                    "no capacity; trying the next subnet",
                    metadata: ["machine": "\(machine.machineType)", "subnet": "\(subnet ?? zone ?? "default")", "error": "\(error)"])
                lastCapacityError = error
            }
        }
        throw lastCapacityError!
    }

    private func runInstance(_ request: ProvisionRequest, machineType: String, subnet: String?, zone: String? = nil) async throws -> ProvisionedInstance {
        let group = try await placementGroup(for: request)
        let answer = try await client.call("RunInstances", runInstancesParameters(request, machineType: machineType, subnet: subnet, placementGroup: group, zone: zone))
        guard let item = answer.items("instancesSet").first, let instance = Self.instance(from: item) else {
            throw CloudAPIError(provider: name, operation: "RunInstances", kind: .malformedResponse, message: "the answer names no instance")
        }
        logger.info(
            "launched EC2 instance",
            metadata: ["instance": "\(request.instanceID)", "ec2": "\(instance.providerInstanceID)", "type": "\(machineType)"])
        return instance
    }

    /// The cluster placement group a `placement: cluster` pool's machines join: the configured
    /// one, or `navarch-<pool>`, created (strategy cluster) the first time it is needed.
    func placementGroup(for request: ProvisionRequest) async throws -> String? {
        guard request.placement == .cluster else { return nil }
        if let group = settings.placementGroup { return group }
        let name = "navarch-\(request.pool)"
        if placementGroups.withLock({ $0.contains(name) }) { return name }
        do {
            _ = try await client.call("CreatePlacementGroup", [
                ("GroupName", name), ("Strategy", "cluster"), ("TagSpecification.1.ResourceType", "placement-group"),
                ("TagSpecification.1.Tag.1.Key", Tag.managedBy), ("TagSpecification.1.Tag.1.Value", "navarch"),
                ("TagSpecification.1.Tag.2.Key", Tag.pool), ("TagSpecification.1.Tag.2.Value", request.pool),
            ])
            logger.info("created cluster placement group", metadata: ["group": "\(name)"])
        } catch let error as CloudAPIError where error.code == "InvalidPlacementGroup.Duplicate" {
            // Made earlier (by this control plane before a restart): use it.
        }
        placementGroups.withLock { _ = $0.insert(name) }
        return name
    }

    /// RunInstances' parameters for one machine.
    func runInstancesParameters(_ request: ProvisionRequest, machineType: String, subnet: String?, placementGroup: String? = nil, zone: String? = nil) -> [(String, String)] {
        let spot = request.spot || settings.spot
        var parameters: [(String, String)] = [
            ("ImageId", settings.imageID), ("InstanceType", machineType), ("MinCount", "1"), ("MaxCount", "1"),
            // Idempotency: EC2 returns the first launch for a repeated token instead of a second
            // machine. A spot launch has its own token, so that an on-demand launch after it
            // (the pool's spot fallback) is not taken for a changed repeat of it.
            ("ClientToken", spot ? request.instanceID + "-spot" : request.instanceID),
            ("TagSpecification.1.ResourceType", "instance"),
        ]
        let tags = [
            ("Name", request.nodeID), (Tag.managedBy, "navarch"), (Tag.pool, request.pool),
            (Tag.instanceID, request.instanceID), (Tag.nodeID, request.nodeID),
        ]
        for (index, tag) in tags.enumerated() {
            parameters += [("TagSpecification.1.Tag.\(index + 1).Key", tag.0), ("TagSpecification.1.Tag.\(index + 1).Value", tag.1)]
        }
        if !request.userData.isEmpty { parameters.append(("UserData", Data(request.userData.utf8).base64EncodedString())) }
        if let subnet { parameters.append(("SubnetId", subnet)) }
        if let zone { parameters.append(("Placement.AvailabilityZone", zone)) }
        for (index, group) in settings.securityGroupIDs.enumerated() { parameters.append(("SecurityGroupId.\(index + 1)", group)) }
        if let key = settings.keyName { parameters.append(("KeyName", key)) }
        if let profile = settings.instanceProfile { parameters.append(("IamInstanceProfile.Name", profile)) }
        if let group = placementGroup ?? (request.placement == .cluster ? settings.placementGroup : nil) {
            parameters.append(("Placement.GroupName", group))
        }
        if spot {
            parameters += [
                ("InstanceMarketOptions.MarketType", "spot"),
                ("InstanceMarketOptions.SpotOptions.SpotInstanceType", "one-time"),
                ("InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior", "terminate"),
            ]
        }
        return parameters
    }

    public func terminate(_ instance: ProvisionedInstance) async throws {
        var ec2ID = instance.providerInstanceID
        if !ec2ID.hasPrefix("i-") {
            // The launch may have happened without us learning its id: find it by tag.
            guard let found = try await find(instanceID: instance.instanceID) else { return }
            ec2ID = found.providerInstanceID
        }
        do {
            _ = try await client.call("TerminateInstances", [("InstanceId.1", ec2ID)])
        } catch let error as CloudAPIError where error.code == "InvalidInstanceID.NotFound" {
            return
        }
    }

    public func list() async throws -> [ProvisionedInstance] {
        try await describe(filters: [(Tag.managedBy, ["navarch"])])
    }

    /// The zones of the region that offer `machineType` (DescribeInstanceTypeOfferings).
    public func zones(offering machineType: String) async throws -> [String] {
        var zones: [String] = []
        var token: String?
        repeat {
            var parameters: [(String, String)] = [
                ("LocationType", "availability-zone"), ("Filter.1.Name", "instance-type"), ("Filter.1.Value.1", machineType),
            ]
            if let token { parameters.append(("NextToken", token)) }
            let answer = try await client.call("DescribeInstanceTypeOfferings", parameters)
            zones += answer.items("instanceTypeOfferingSet").compactMap { $0.string("location") }
            token = answer.string("nextToken").flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return zones.sorted()
    }

    private func find(instanceID: String) async throws -> ProvisionedInstance? {
        try await describe(filters: [(Tag.instanceID, [instanceID])]).first { $0.isAlive }
    }

    private func describe(filters: [(tag: String, values: [String])]) async throws -> [ProvisionedInstance] {
        var result: [ProvisionedInstance] = []
        var token: String?
        repeat {
            var parameters: [(String, String)] = []
            for (index, filter) in filters.enumerated() {
                parameters.append(("Filter.\(index + 1).Name", "tag:\(filter.tag)"))
                for (valueIndex, value) in filter.values.enumerated() {
                    parameters.append(("Filter.\(index + 1).Value.\(valueIndex + 1)", value))
                }
            }
            if let token { parameters.append(("NextToken", token)) }
            let answer = try await client.call("DescribeInstances", parameters)
            for reservation in answer.items("reservationSet") {
                result += reservation.items("instancesSet").compactMap(Self.instance(from:))
            }
            token = answer.string("nextToken").flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return result.sorted { $0.instanceID < $1.instanceID }
    }

    /// One `instancesSet` item as a provisioned instance; `nil` when it is not Navarch's.
    static func instance(from item: XMLElementTree) -> ProvisionedInstance? {
        guard let ec2ID = item.string("instanceId") else { return nil }
        var tags: [String: String] = [:]
        for tag in item.items("tagSet") {
            if let key = tag.string("key") { tags[key] = tag.string("value") ?? "" }
        }
        let state = item.path("instanceState", "name")?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return ProvisionedInstance(
            instanceID: tags[Tag.instanceID] ?? ec2ID, providerInstanceID: ec2ID, nodeID: tags[Tag.nodeID] ?? "",
            pool: tags[Tag.pool] ?? "", isAlive: !["shutting-down", "terminated"].contains(state),
            address: item.string("ipAddress") ?? item.string("privateIpAddress") ?? "",
            zone: item.path("placement", "availabilityZone")?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
    }
}
