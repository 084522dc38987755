import Foundation
import Logging
import NavarchCore
import Synchronization

/// The `azure` provider: virtual machines through Azure Resource Manager. Every machine is
/// named by Navarch's instance id and tagged with the pool, so a repeated provision finds the
/// machine, and a PUT of the same name is the same machine (ARM's PUT is idempotent). A create
/// is followed through its `Azure-AsyncOperation` until it ends; an allocation failure there
/// (`AllocationFailed`, `ZonalAllocationFailed`) or at once (`SkuNotAvailable`) is a capacity
/// error: the failed machine is deleted and the next zone tried.
public final class AzureVirtualMachineProvider: Provider {
    /// `azure`, or the name of another configured section of this cloud (`azure-west`).
    public let name: String
    public let bootstrapsAgent = true
    public let spotNotices: String? = "azure"
    public let supportsSpot = true
    /// Cluster pools use the configured proximity placement group, or one made for the pool.
    public let supportsClusterPlacement = true
    public let settings: AzureSettings
    public let catalog: OfferingCatalog
    let http: CloudHTTPClient
    private let tokens: BearerTokenCache
    private let clock: any NavarchClock
    private let logger: Logger
    /// Proximity placement groups this provider has made since it started.
    private let proximityGroups = Mutex<Set<String>>([])

    /// Tag names on every machine.
    public enum Tag {
        public static let managedBy = "navarch-managed-by"
        public static let pool = "navarch-pool"
        public static let instanceID = "navarch-instance-id"
        public static let nodeID = "navarch-node-id"
    }

    /// Error codes that mean "no capacity here": try another zone, region or provider.
    static let capacityCodes: Set<String> = [
        "SkuNotAvailable", "AllocationFailed", "ZonalAllocationFailed", "OverconstrainedAllocationRequest",
        "OverconstrainedZonalAllocationRequest", "QuotaExceeded",
    ]

    public init(
        name: String = "azure", settings: AzureSettings, clientSecret: String, catalog: OfferingCatalog = .builtin, calls: ProviderCallLog = ProviderCallLog(),
        retry: RetryPolicy = RetryPolicy(), timeout: Duration = .seconds(30), clock: any NavarchClock = SystemClock(),
        logger: Logger = Logger(label: "navarch.provider.azure")
    ) throws(ProviderConfigurationError) {
        self.name = name
        try settings.validate()
        guard !clientSecret.isEmpty else { throw ProviderConfigurationError(provider: "azure", "the client secret is empty") }
        self.settings = settings
        self.catalog = catalog
        self.clock = clock
        self.logger = logger
        let http = CloudHTTPClient(
            provider: "azure", retry: retry, timeout: timeout, calls: calls, clock: clock, logger: logger,
            decodeError: AzureVirtualMachineProvider.decodeError)
        self.http = http
        let form = PercentEncoding.query([
            ("grant_type", "client_credentials"), ("client_id", settings.clientID), ("client_secret", clientSecret),
            ("scope", settings.scope),
        ])
        let url = "\(settings.authority)/\(settings.tenantID)/oauth2/v2.0/token"
        tokens = BearerTokenCache {
            let answer = try await http.json(CloudRequest(
                operation: "oauth2.token", method: "POST", url: url,
                headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")], body: Array(form.utf8),
                idempotent: true))
            guard let token = answer["access_token"] as? String, !token.isEmpty else {
                throw CloudAPIError(provider: "azure", operation: "oauth2.token", kind: .malformedResponse, message: "the token answer has no access_token")
            }
            return (token, .seconds((answer["expires_in"] as? Int) ?? Int(answer["expires_in"] as? String ?? "") ?? 3600))
        }
    }

    /// Mints a token now: at `serve` start, so that a refused secret stops it there.
    public func checkCredentials() async throws { _ = try await tokens.token() }

    public func offers(_ type: InstanceType) -> Bool { catalog.machine(provider: "azure", for: type) != nil }

    public func provision(_ request: ProvisionRequest) async throws -> ProvisionedInstance {
        if let existing = try await list().first(where: { $0.instanceID == request.instanceID && $0.isAlive }) {
            return existing
        }
        guard let machine = catalog.machine(provider: "azure", for: request.instanceType) else {
            throw CloudAPIError(provider: name, operation: "virtualMachines.createOrUpdate", kind: .invalidRequest, message: "no Azure VM size for GPU type \(request.instanceType.name)")
        }
        let allowed = request.zones.isEmpty ? settings.zones : request.zones
        let zones: [String?] = allowed.isEmpty ? [nil] : allowed
        var lastCapacityError: CloudAPIError?
        for zone in zones {
            do {
                return try await create(request, size: machine.machineType, zone: zone)
            } catch let error as CloudAPIError where error.kind == .capacity {
                logger.notice("no capacity; trying the next zone", metadata: ["zone": "\(zone ?? "none")", "size": "\(machine.machineType)", "error": "\(error)"])
                lastCapacityError = error
                // A machine whose allocation failed stays, Failed; it goes before the next zone.
                try await delete(request.instanceID)
            }
        }
        throw lastCapacityError!
    }

    private func create(_ request: ProvisionRequest, size: String, zone: String?) async throws -> ProvisionedInstance {
        let group = try await proximityGroup(for: request)
        let response = try await call(
            "virtualMachines.createOrUpdate", "PUT", machineURL(request.instanceID),
            body: resource(request, size: size, zone: zone, proximityGroup: group), idempotent: true)
        try await follow(response, operation: "virtualMachines.createOrUpdate", resourceURL: machineURL(request.instanceID))
        logger.info("created Azure virtual machine", metadata: ["instance": "\(request.instanceID)", "zone": "\(zone ?? "none")"])
        let answer = try await call("virtualMachines.get", "GET", machineURL(request.instanceID), body: nil, idempotent: true)
        guard let instance = Self.provisioned(try Self.object(answer, operation: "virtualMachines.get")) else {
            throw CloudAPIError(provider: name, operation: "virtualMachines.get", kind: .malformedResponse, message: "virtual machine \(request.instanceID) has no Navarch tags")
        }
        return instance
    }

    /// The proximity placement group a `placement: cluster` pool's machines join: the configured
    /// one, or `navarch-<pool>` in the resource group, made (a PUT, so it is idempotent) the
    /// first time it is needed.
    func proximityGroup(for request: ProvisionRequest) async throws -> String? {
        guard request.placement == .cluster else { return nil }
        if let group = settings.proximityPlacementGroup { return group }
        let id = "/subscriptions/\(settings.subscriptionID)/resourceGroups/\(settings.resourceGroup)/providers/Microsoft.Compute/proximityPlacementGroups/navarch-\(request.pool)"
        if proximityGroups.withLock({ $0.contains(id) }) { return id }
        let body: [String: Any] = [
            "location": settings.location, "properties": ["proximityPlacementGroupType": "Standard"],
            "tags": [Tag.managedBy: "navarch", Tag.pool: request.pool],
        ]
        _ = try await call("proximityPlacementGroups.createOrUpdate", "PUT", settings.endpoint + id + "?api-version=\(settings.apiVersion)", body: body, idempotent: true)
        logger.info("created proximity placement group", metadata: ["group": "\(id)"])
        proximityGroups.withLock { _ = $0.insert(id) }
        return id
    }

    func resource(_ request: ProvisionRequest, size: String, zone: String?, proximityGroup: String? = nil) -> [String: Any] {
        let imageReference: [String: Any]
        if settings.image.hasPrefix("/") {
            imageReference = ["id": settings.image]
        } else {
            let parts = settings.image.split(separator: ":").map(String.init)
            imageReference = ["publisher": parts[0], "offer": parts[1], "sku": parts[2], "version": parts[3]]
        }
        var properties: [String: Any] = [
            "hardwareProfile": ["vmSize": size],
            "storageProfile": [
                "imageReference": imageReference,
                "osDisk": ["createOption": "FromImage", "deleteOption": "Delete", "diskSizeGB": settings.osDiskGB, "managedDisk": ["storageAccountType": "Premium_LRS"]],
            ],
            "osProfile": [
                "computerName": request.instanceID, "adminUsername": settings.sshUser,
                "customData": Data(request.userData.utf8).base64EncodedString(),
                "linuxConfiguration": [
                    "disablePasswordAuthentication": true,
                    "ssh": ["publicKeys": [["path": "/home/\(settings.sshUser)/.ssh/authorized_keys", "keyData": settings.sshPublicKey]]],
                ],
            ],
            "networkProfile": [
                "networkApiVersion": "2022-11-01",
                "networkInterfaceConfigurations": [[
                    "name": "\(request.instanceID)-nic",
                    "properties": [
                        "primary": true, "deleteOption": "Delete", "enableAcceleratedNetworking": true,
                        "ipConfigurations": [[
                            "name": "ipconfig1",
                            "properties": [
                                "subnet": ["id": settings.subnetID],
                                "publicIPAddressConfiguration": ["name": "\(request.instanceID)-ip", "sku": ["name": "Standard"], "properties": ["deleteOption": "Delete"]],
                            ],
                        ]],
                    ],
                ]],
            ],
        ]
        if request.spot || settings.spot {
            properties["priority"] = "Spot"
            properties["evictionPolicy"] = "Delete"
            properties["billingProfile"] = ["maxPrice": settings.spotMaxPrice]
        }
        if let group = proximityGroup { properties["proximityPlacementGroup"] = ["id": group] }
        var body: [String: Any] = [
            "location": settings.location, "properties": properties,
            "tags": [Tag.managedBy: "navarch", Tag.pool: request.pool, Tag.instanceID: request.instanceID, Tag.nodeID: request.nodeID],
        ]
        if let zone { body["zones"] = [zone] }
        return body
    }

    public func terminate(_ instance: ProvisionedInstance) async throws { try await delete(instance.instanceID) }

    private func delete(_ name: String) async throws {
        do {
            let response = try await call("virtualMachines.delete", "DELETE", machineURL(name), body: nil, idempotent: true)
            try await follow(response, operation: "virtualMachines.delete", resourceURL: nil)
        } catch let error as CloudAPIError where error.kind == .notFound {
            return
        }
    }

    public func list() async throws -> [ProvisionedInstance] {
        var found: [ProvisionedInstance] = []
        var next: String? = machinesURL() + "?api-version=\(settings.apiVersion)"
        while let url = next {
            let answer = try Self.object(try await call("virtualMachines.list", "GET", url, body: nil, idempotent: true), operation: "virtualMachines.list")
            for item in answer["value"] as? [[String: Any]] ?? [] {
                if let instance = Self.provisioned(item) { found.append(instance) }
            }
            next = (answer["nextLink"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        }
        return found.sorted { $0.instanceID < $1.instanceID }
    }

    /// A machine with Navarch's tags; `providerInstanceID` is the ARM resource id.
    static func provisioned(_ item: [String: Any]) -> ProvisionedInstance? {
        let tags = item["tags"] as? [String: String] ?? [:]
        guard tags[Tag.managedBy] == "navarch", let instanceID = tags[Tag.instanceID], let pool = tags[Tag.pool] else { return nil }
        let state = (item["properties"] as? [String: Any])?["provisioningState"] as? String ?? ""
        let zone = (item["zones"] as? [String])?.first ?? (item["location"] as? String ?? "")
        return ProvisionedInstance(
            instanceID: instanceID, providerInstanceID: item["id"] as? String ?? "", nodeID: tags[Tag.nodeID] ?? "", pool: pool,
            isAlive: !["Deleting", "Failed"].contains(state), zone: zone)
    }

    /// Follows a long-running operation to its end: `Azure-AsyncOperation` first, then
    /// `Location`, then (for a PUT answered at once) the resource's `provisioningState`.
    private func follow(_ response: CloudResponse, operation: String, resourceURL: String?) async throws {
        let deadline = clock.now.addingTimeInterval(settings.operationTimeout.timeInterval)
        var last = response
        func pause() async throws {
            guard clock.now < deadline else {
                throw CloudAPIError(provider: name, operation: operation, kind: .transport, message: "the operation did not finish in \(settings.operationTimeout)")
            }
            let wait = last.retryAfterSeconds.map { Duration.seconds(min($0, 30)) } ?? settings.operationPollInterval
            try await clock.sleep(for: wait)
        }
        if let status = response.header("azure-asyncoperation") {
            while true {
                try await pause()
                last = try await call("operations.get", "GET", status, body: nil, idempotent: true)
                let body = try Self.object(last, operation: "operations.get")
                switch body["status"] as? String ?? "" {
                case "Succeeded": return
                case "Failed", "Canceled":
                    let error = body["error"] as? [String: Any] ?? [:]
                    throw Self.typed(operation: operation, status: nil, code: error["code"] as? String ?? (body["status"] as? String ?? ""), message: error["message"] as? String ?? "the operation \(body["status"] ?? "") failed", retryAfter: nil)
                default: continue
                }
            }
        }
        if let location = response.header("location"), response.status == 202 {
            while last.status == 202 {
                try await pause()
                last = try await call("operations.get", "GET", location, body: nil, idempotent: true)
            }
            return
        }
        guard let resourceURL, response.status != 204 else { return }
        var state = (try? Self.object(response, operation: operation))?.provisioningState ?? "Succeeded"
        while !["Succeeded", "Failed", "Canceled"].contains(state) {
            try await pause()
            last = try await call("virtualMachines.get", "GET", resourceURL, body: nil, idempotent: true)
            state = try Self.object(last, operation: "virtualMachines.get").provisioningState ?? "Succeeded"
        }
        if state != "Succeeded" {
            throw CloudAPIError(provider: name, operation: operation, kind: .invalidRequest, code: state, message: "the virtual machine's provisioning state is \(state)")
        }
    }

    /// ARM's error envelope, `{"error": {"code", "message", "details"}}`, and the token
    /// endpoint's OAuth errors, `{"error": "invalid_client", "error_description"}`.
    static func decodeError(operation: String, response: CloudResponse) -> CloudAPIError {
        let body = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        if let oauth = body?["error"] as? String {
            return CloudAPIError(
                provider: "azure", operation: operation, kind: response.status >= 500 ? .server : .authentication, status: response.status,
                code: oauth, message: (body?["error_description"] as? String).map { String($0.prefix(300)) } ?? oauth,
                retryAfterSeconds: response.retryAfterSeconds)
        }
        let error = body?["error"] as? [String: Any]
        let code = error?["code"] as? String ?? ""
        return typed(
            operation: operation, status: response.status, code: code, message: error?["message"] as? String ?? String(response.text.prefix(300)),
            retryAfter: response.retryAfterSeconds)
    }

    static func typed(operation: String, status: Int?, code: String, message: String, retryAfter: Double?) -> CloudAPIError {
        let kind: CloudAPIError.Kind
        if capacityCodes.contains(code) || (code == "OperationNotAllowed" && message.lowercased().contains("quota")) {
            kind = .capacity
        } else if code == "TooManyRequests" || status == 429 {
            kind = .throttled
        } else if ["InvalidAuthenticationToken", "ExpiredAuthenticationToken", "AuthenticationFailed", "AuthorizationFailed"].contains(code) || status == 401 || status == 403 {
            kind = .authentication
        } else if status == 404 || code == "ResourceNotFound" || code == "NotFound" {
            kind = .notFound
        } else if let status, status >= 500 {
            kind = .server
        } else {
            kind = .invalidRequest
        }
        return CloudAPIError(provider: "azure", operation: operation, kind: kind, status: status, code: code, message: message, retryAfterSeconds: retryAfter)
    }

    private func machinesURL() -> String {
        "\(settings.endpoint)/subscriptions/\(settings.subscriptionID)/resourceGroups/\(settings.resourceGroup)/providers/Microsoft.Compute/virtualMachines"
    }

    private func machineURL(_ name: String) -> String {
        machinesURL() + "/\(PercentEncoding.encode(name))?api-version=\(settings.apiVersion)"
    }

    static func object(_ response: CloudResponse, operation: String) throws -> [String: Any] {
        if response.body.isEmpty { return [:] }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] else {
            throw CloudAPIError(provider: "azure", operation: operation, kind: .malformedResponse, status: response.status, message: "the answer is not a JSON object")
        }
        return object
    }

    private func call(_ operation: String, _ method: String, _ url: String, body: Any?, idempotent: Bool) async throws -> CloudResponse {
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        var bytes: [UInt8] = []
        if let body {
            headers.append(("Content-Type", "application/json"))
            bytes = try CloudHTTPClient.jsonBody(body)
        }
        let tokens = self.tokens
        do {
            return try await http.send(CloudRequest(operation: operation, method: method, url: url, headers: headers, body: bytes, idempotent: idempotent)) { request in
                request.headers.append(("Authorization", "Bearer \(try await tokens.token())"))
            }
        } catch let error as CloudAPIError where error.status == 401 {
            await tokens.invalidate()
            throw error
        }
    }
}

extension Dictionary where Key == String, Value == Any {
    /// `properties.provisioningState` of an ARM resource.
    fileprivate var provisioningState: String? { (self["properties"] as? [String: Any])?["provisioningState"] as? String }
}
