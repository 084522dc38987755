import Crypto
import Foundation
import Logging
import NavarchCore
import Synchronization

/// The `gcp` provider: Compute Engine instances through the REST API v1. Every instance is
/// named by Navarch's instance id and labelled with the pool, so a repeated provision finds
/// the instance instead of creating a second one, and `list` finds them all by label. Inserts
/// carry a `requestId`, so a retried insert is the same operation; an insert's outcome
/// (including `ZONE_RESOURCE_POOL_EXHAUSTED`) arrives in the zone operation, polled until DONE.
public final class ComputeEngineProvider: Provider {
    /// `gcp`, or the name of another configured section of this cloud (`gcp-west`).
    public let name: String
    public let bootstrapsAgent = true
    public let spotNotices: String? = "gcp"
    public let supportsSpot = true
    /// Cluster pools use the configured compact placement policy, or one made for the pool.
    public let supportsClusterPlacement = true
    public let settings: GCPSettings
    public let catalog: OfferingCatalog
    let http: CloudHTTPClient
    private let tokens: BearerTokenCache
    private let clock: any NavarchClock
    private let logger: Logger
    /// Placement policies this provider has made (or found) since it started.
    private let placementPolicies = Mutex<Set<String>>([])

    /// Label keys on every instance (GCP labels allow lower-case letters, digits, `-` and `_`).
    public enum Label {
        public static let managedBy = "navarch-managed-by"
        public static let pool = "navarch-pool"
        public static let instanceID = "navarch-instance-id"
        public static let nodeID = "navarch-node-id"
    }

    public init(
        name: String = "gcp", settings: GCPSettings, credentials: GCPCredentialSource, catalog: OfferingCatalog = .builtin,
        calls: ProviderCallLog = ProviderCallLog(), retry: RetryPolicy = RetryPolicy(), timeout: Duration = .seconds(30),
        clock: any NavarchClock = SystemClock(), logger: Logger = Logger(label: "navarch.provider.gcp")
    ) throws(ProviderConfigurationError) {
        self.name = name
        try settings.validate()
        self.settings = settings
        self.catalog = catalog
        self.clock = clock
        self.logger = logger
        let http = CloudHTTPClient(
            provider: "gcp", retry: retry, timeout: timeout, calls: calls, clock: clock, logger: logger,
            decodeError: ComputeEngineProvider.decodeError)
        self.http = http
        let tokenEndpoint = settings.tokenEndpoint
        let metadataEndpoint = settings.metadataEndpoint
        tokens = BearerTokenCache {
            try await Self.fetchToken(credentials, tokenEndpoint: tokenEndpoint, metadataEndpoint: metadataEndpoint, http: http, clock: clock)
        }
    }

    /// Mints a token now: at `serve` start, so that a bad key stops it there.
    public func checkCredentials() async throws { _ = try await tokens.token() }

    public func offers(_ type: InstanceType) -> Bool { catalog.machine(provider: "gcp", for: type) != nil }

    public func provision(_ request: ProvisionRequest) async throws -> ProvisionedInstance {
        if let existing = try await list().first(where: { $0.instanceID == request.instanceID && $0.isAlive }) { return existing }
        guard let machine = catalog.machine(provider: "gcp", for: request.instanceType) else {
            throw CloudAPIError(provider: name, operation: "instances.insert", kind: .invalidRequest, message: "no Compute Engine machine type for GPU type \(request.instanceType.name)")
        }
        var lastCapacityError: CloudAPIError?
        for zone in request.zones.isEmpty ? settings.zones : request.zones {
            do {
                return try await insert(request, machineType: machine.machineType, zone: zone)
            } catch let error as CloudAPIError where error.kind == .capacity {
                logger.notice("no capacity; trying the next zone", metadata: ["zone": "\(zone)", "machine": "\(machine.machineType)", "error": "\(error)"])
                lastCapacityError = error
            }
        }
        throw lastCapacityError!
    }

    private func insert(_ request: ProvisionRequest, machineType: String, zone: String) async throws -> ProvisionedInstance {
        var body = instanceResource(request, machineType: machineType, zone: zone)
        if let policy = try await placementPolicy(for: request, zone: zone) { body["resourcePolicies"] = [policy] }
        let url = zoneURL(zone) + "/instances?requestId=" + Self.requestID(request.instanceID, zone, "insert")
        let operation: [String: Any]
        do {
            operation = try await call("instances.insert", "POST", url, body: body, idempotent: true)
        } catch let error as CloudAPIError where error.status == 409 {
            // The name is taken in this zone: an earlier insert of this instance got through.
            return try await instance(named: request.instanceID, zone: zone)
        }
        try await wait(for: operation, scope: "zones/\(zone)", operationName: "instances.insert")
        logger.info("created Compute Engine instance", metadata: ["instance": "\(request.instanceID)", "zone": "\(zone)"])
        return try await instance(named: request.instanceID, zone: zone)
    }

    func instanceResource(_ request: ProvisionRequest, machineType: String, zone: String) -> [String: Any] {
        let spot = request.spot || settings.spot
        var scheduling: [String: Any] = ["onHostMaintenance": "TERMINATE", "automaticRestart": !spot]
        if spot {
            scheduling["provisioningModel"] = "SPOT"
            scheduling["instanceTerminationAction"] = "DELETE"
        }
        var interface: [String: Any] = [:]
        if let network = settings.network { interface["network"] = Self.qualified(network, "global/networks", project: settings.project) }
        if let subnetwork = settings.subnetwork {
            interface["subnetwork"] = Self.qualified(subnetwork, "regions/\(GCPSettings.region(ofZone: zone))/subnetworks", project: settings.project)
        }
        if settings.externalIP { interface["accessConfigs"] = [["type": "ONE_TO_ONE_NAT", "name": "External NAT"]] }
        var resource: [String: Any] = [
            "name": request.instanceID,
            "machineType": "zones/\(zone)/machineTypes/\(machineType)",
            "labels": [Label.managedBy: "navarch", Label.pool: request.pool, Label.instanceID: request.instanceID, Label.nodeID: request.nodeID],
            "metadata": ["items": [["key": "user-data", "value": request.userData]]],
            "disks": [["boot": true, "autoDelete": true, "initializeParams": ["sourceImage": settings.image, "diskSizeGb": String(settings.bootDiskGB)]]],
            "networkInterfaces": [interface],
            "scheduling": scheduling,
        ]
        if let account = settings.serviceAccount {
            resource["serviceAccounts"] = [["email": account, "scopes": ["https://www.googleapis.com/auth/cloud-platform"]]]
        }
        return resource
    }

    /// The compact placement policy a `placement: cluster` pool's machines in `zone` share: the
    /// configured one, or `navarch-<pool>` in the zone's region, created (collocated) the first
    /// time it is needed.
    func placementPolicy(for request: ProvisionRequest, zone: String) async throws -> String? {
        guard request.placement == .cluster else { return nil }
        let region = GCPSettings.region(ofZone: zone)
        if let policy = settings.placementPolicy {
            return Self.qualified(policy, "regions/\(region)/resourcePolicies", project: settings.project)
        }
        let name = "navarch-\(request.pool)"
        let path = "projects/\(settings.project)/regions/\(region)/resourcePolicies/\(name)"
        if placementPolicies.withLock({ $0.contains(path) }) { return path }
        let body: [String: Any] = [
            "name": name, "description": "Compact placement for Navarch pool \(request.pool)",
            "groupPlacementPolicy": ["collocation": "COLLOCATED"],
        ]
        do {
            let operation = try await call(
                "resourcePolicies.insert", "POST",
                "\(settings.endpoint)/projects/\(settings.project)/regions/\(region)/resourcePolicies?requestId=" + Self.requestID(name, region, "policy"),
                body: body, idempotent: true)
            try await wait(for: operation, scope: "regions/\(region)", operationName: "resourcePolicies.insert")
            logger.info("created compact placement policy", metadata: ["policy": "\(path)"])
        } catch let error as CloudAPIError where error.status == 409 {
            // Made earlier (by this control plane before a restart): use it.
        }
        placementPolicies.withLock { _ = $0.insert(path) }
        return path
    }

    public func terminate(_ instance: ProvisionedInstance) async throws {
        var zone = instance.zone
        if zone.isEmpty {
            guard let found = try await list().first(where: { $0.instanceID == instance.instanceID }) else { return }
            zone = found.zone
        }
        let url = zoneURL(zone) + "/instances/\(PercentEncoding.encode(instance.instanceID))?requestId=" + Self.requestID(instance.instanceID, zone, "delete")
        do {
            let operation = try await call("instances.delete", "DELETE", url, body: nil, idempotent: true)
            try await wait(for: operation, scope: "zones/\(zone)", operationName: "instances.delete")
        } catch let error as CloudAPIError where error.kind == .notFound {
            return
        }
    }

    public func list() async throws -> [ProvisionedInstance] {
        var found: [ProvisionedInstance] = []
        var pageToken: String?
        repeat {
            var query: [(String, String)] = [("filter", "labels.\(Label.managedBy) = \"navarch\""), ("maxResults", String(settings.listPageSize)), ("returnPartialSuccess", "true")]
            if let pageToken { query.append(("pageToken", pageToken)) }
            let answer = try await call(
                "instances.aggregatedList", "GET", "\(settings.endpoint)/projects/\(settings.project)/aggregated/instances?" + PercentEncoding.query(query),
                body: nil, idempotent: true)
            for scoped in (answer["items"] as? [String: Any] ?? [:]).values {
                for item in (scoped as? [String: Any])?["instances"] as? [[String: Any]] ?? [] {
                    if let instance = Self.provisioned(item) { found.append(instance) }
                }
            }
            pageToken = (answer["nextPageToken"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        } while pageToken != nil
        return found.sorted { $0.instanceID < $1.instanceID }
    }

    private func instance(named name: String, zone: String) async throws -> ProvisionedInstance {
        let item = try await call("instances.get", "GET", zoneURL(zone) + "/instances/\(PercentEncoding.encode(name))", body: nil, idempotent: true)
        guard let instance = Self.provisioned(item) else {
            throw CloudAPIError(provider: self.name, operation: "instances.get", kind: .malformedResponse, message: "instance \(name) has no Navarch labels")
        }
        return instance
    }

    static func provisioned(_ item: [String: Any]) -> ProvisionedInstance? {
        let labels = item["labels"] as? [String: String] ?? [:]
        guard let instanceID = labels[Label.instanceID], let pool = labels[Label.pool] else { return nil }
        let status = item["status"] as? String ?? ""
        let interface = (item["networkInterfaces"] as? [[String: Any]])?.first
        let external = ((interface?["accessConfigs"] as? [[String: Any]])?.first?["natIP"] as? String) ?? ""
        let zone = (item["zone"] as? String).map { String($0.split(separator: "/").last ?? "") } ?? ""
        let id = item["id"].map { "\($0)" } ?? ""
        return ProvisionedInstance(
            instanceID: instanceID, providerInstanceID: id, nodeID: labels[Label.nodeID] ?? "", pool: pool,
            isAlive: !["STOPPING", "TERMINATED"].contains(status),
            address: external.isEmpty ? (interface?["networkIP"] as? String ?? "") : external, zone: zone)
    }

    /// Polls a zone operation until it is DONE, and throws its error, typed, if it has one.
    private func wait(for operation: [String: Any], scope: String, operationName: String) async throws {
        var current = operation
        let deadline = clock.now.addingTimeInterval(settings.operationTimeout.timeInterval)
        while current["status"] as? String != "DONE" {
            guard clock.now < deadline else {
                throw CloudAPIError(provider: name, operation: operationName, kind: .transport, message: "operation \(current["name"] ?? "") did not finish in \(settings.operationTimeout)")
            }
            try await clock.sleep(for: settings.operationPollInterval)
            guard let name = current["name"] as? String else {
                throw CloudAPIError(provider: self.name, operation: operationName, kind: .malformedResponse, message: "the operation has no name")
            }
            current = try await call(
                scope.hasPrefix("zones/") ? "zoneOperations.get" : "regionOperations.get", "GET",
                "\(settings.endpoint)/projects/\(settings.project)/\(scope)/operations/\(PercentEncoding.encode(name))", body: nil, idempotent: true)
        }
        if let error = Self.operationError(current, operation: operationName) { throw error }
    }

    /// The error of a finished operation, typed: `ZONE_RESOURCE_POOL_EXHAUSTED*` and
    /// `QUOTA_EXCEEDED` are capacity errors, so the next zone is tried.
    static func operationError(_ operation: [String: Any], operation name: String) -> CloudAPIError? {
        guard let errors = (operation["error"] as? [String: Any])?["errors"] as? [[String: Any]], let first = errors.first else { return nil }
        let code = first["code"] as? String ?? ""
        let message = errors.compactMap { $0["message"] as? String }.joined(separator: "; ")
        let kind: CloudAPIError.Kind
        if code.hasPrefix("ZONE_RESOURCE_POOL_EXHAUSTED") || code == "QUOTA_EXCEEDED" || code == "RESOURCE_POOL_EXHAUSTED" {
            kind = .capacity
        } else if code == "RESOURCE_NOT_FOUND" {
            kind = .notFound
        } else {
            kind = .invalidRequest
        }
        return CloudAPIError(
            provider: "gcp", operation: name, kind: kind, status: operation["httpErrorStatusCode"] as? Int, code: code, message: message)
    }

    /// Google's error envelope, `{"error": {"code", "message", "status", "errors": [{"reason"}]}}`.
    static func decodeError(operation: String, response: CloudResponse) -> CloudAPIError {
        let error = ((try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any])?["error"]
        let object = error as? [String: Any]
        let reason = ((object?["errors"] as? [[String: Any]])?.first?["reason"] as? String) ?? ""
        // The token endpoint answers OAuth's `{"error": "invalid_grant", "error_description"}`.
        let oauthCode = error as? String
        let message = object?["message"] as? String
            ?? (((try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any])?["error_description"] as? String)
            ?? String(response.text.prefix(300))
        let kind: CloudAPIError.Kind
        switch (response.status, reason) {
        case (_, "rateLimitExceeded"), (_, "userRateLimitExceeded"), (429, _): kind = .throttled
        case (_, "quotaExceeded"): kind = .capacity
        case (401, _), (403, _): kind = .authentication
        case (400, _) where oauthCode != nil: kind = .authentication
        case (404, _): kind = .notFound
        case (500..., _): kind = .server
        default: kind = .invalidRequest
        }
        return CloudAPIError(
            provider: "gcp", operation: operation, kind: kind, status: response.status,
            code: oauthCode ?? (reason.isEmpty ? (object?["status"] as? String ?? "") : reason), message: message,
            retryAfterSeconds: response.retryAfterSeconds)
    }

    private func zoneURL(_ zone: String) -> String { "\(settings.endpoint)/projects/\(settings.project)/zones/\(zone)" }

    private func call(_ operation: String, _ method: String, _ url: String, body: Any?, idempotent: Bool) async throws -> [String: Any] {
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        var bytes: [UInt8] = []
        if let body {
            headers.append(("Content-Type", "application/json"))
            bytes = try CloudHTTPClient.jsonBody(body)
        }
        let request = CloudRequest(operation: operation, method: method, url: url, headers: headers, body: bytes, idempotent: idempotent)
        let tokens = self.tokens
        do {
            return try await http.json(request) { request in
                request.headers.append(("Authorization", "Bearer \(try await tokens.token())"))
            }
        } catch let error as CloudAPIError where error.status == 401 {
            await tokens.invalidate()
            throw error
        }
    }

    /// A `requestId` that is the same for every retry of one operation on one instance: a UUID
    /// made from a hash of them (Compute Engine wants the UUID form).
    static func requestID(_ instanceID: String, _ zone: String, _ operation: String) -> String {
        var bytes = Array(SHA256.hash(data: Data("\(instanceID)/\(zone)/\(operation)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    /// `projects/P/<collection>/<name>` for a bare name; a URL or path is left as it is.
    static func qualified(_ name: String, _ collection: String, project: String) -> String {
        name.contains("/") ? name : "projects/\(project)/\(collection)/\(name)"
    }

    static func fetchToken(
        _ source: GCPCredentialSource, tokenEndpoint: String?, metadataEndpoint: String, http: CloudHTTPClient, clock: any NavarchClock
    ) async throws -> (token: String, expiresIn: Duration) {
        let answer: [String: Any]
        switch source {
        case .serviceAccount(let key):
            // The audience is Google's token endpoint even where the request goes elsewhere.
            let assertion = try GCPServiceAccountAssertion(key: key, audience: GCPServiceAccountAssertion.googleTokenEndpoint)
                .signed(issuedAt: clock.now)
            let form = PercentEncoding.query([("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)])
            answer = try await http.json(CloudRequest(
                operation: "oauth2.token", method: "POST", url: tokenEndpoint ?? key.tokenURI,
                headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")], body: Array(form.utf8),
                idempotent: true))
        case .metadataServer:
            answer = try await http.json(CloudRequest(
                operation: "metadata.token", method: "GET", url: metadataEndpoint + "/computeMetadata/v1/instance/service-accounts/default/token",
                headers: [("Metadata-Flavor", "Google")], idempotent: true))
        }
        guard let token = answer["access_token"] as? String, !token.isEmpty else {
            throw CloudAPIError(provider: "gcp", operation: "oauth2.token", kind: .malformedResponse, message: "the token answer has no access_token")
        }
        let seconds = (answer["expires_in"] as? Int) ?? Int(answer["expires_in"] as? String ?? "") ?? 3600
        return (token, .seconds(seconds))
    }
}
