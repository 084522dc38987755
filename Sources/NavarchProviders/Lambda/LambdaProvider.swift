import Foundation
import Logging
import NavarchCore

/// The `lambda` provider: Lambda Cloud's REST API v1 with an API key. Launches carry the
/// Navarch instance id as the instance name and tags; a launch is not idempotent, so a
/// provision first looks for an instance of that name, and a failed launch is never resent
/// after a 5xx or a timeout (the reconciler finds what it may have started by name).
/// Requests keep Lambda's published limits: one per second, one launch per 12 seconds.
public final class LambdaProvider: Provider {
    /// `lambda`, or the name of another configured section of this cloud (`lambda-west`).
    public let name: String
    public let bootstrapsAgent = true
    public let settings: LambdaSettings
    public let catalog: OfferingCatalog
    let http: CloudHTTPClient
    private let apiKey: String
    private let requests: RequestSpacer
    private let launches: RequestSpacer
    private let logger: Logger

    public init(
        name: String = "lambda", settings: LambdaSettings, apiKey: String, catalog: OfferingCatalog = .builtin, calls: ProviderCallLog = ProviderCallLog(),
        retry: RetryPolicy = RetryPolicy(), timeout: Duration = .seconds(30), clock: any NavarchClock = SystemClock(),
        logger: Logger = Logger(label: "navarch.provider.lambda")
    ) throws(ProviderConfigurationError) {
        self.name = name
        try settings.validate()
        guard !apiKey.isEmpty else { throw ProviderConfigurationError(provider: "lambda", "the API key is empty") }
        self.settings = settings
        self.apiKey = apiKey
        self.catalog = catalog
        self.logger = logger
        // 10% over the published intervals: requests arrive less evenly than they leave.
        self.requests = RequestSpacer(interval: settings.requestInterval * 1.1, clock: clock)
        self.launches = RequestSpacer(interval: settings.launchInterval * 1.1, clock: clock)
        self.http = CloudHTTPClient(
            provider: "lambda", retry: retry, timeout: timeout, calls: calls, clock: clock, logger: logger,
            decodeError: LambdaProvider.decodeError)
    }

    public func offers(_ type: InstanceType) -> Bool { catalog.machine(provider: "lambda", for: type) != nil }

    public func provision(_ request: ProvisionRequest) async throws -> ProvisionedInstance {
        if let existing = try await list().first(where: { $0.instanceID == request.instanceID && $0.isAlive }) { return existing }
        guard let machine = catalog.machine(provider: "lambda", for: request.instanceType) else {
            throw CloudAPIError(provider: name, operation: "launch", kind: .invalidRequest, message: "no Lambda instance type for GPU type \(request.instanceType.name)")
        }
        var regions = request.zones.isEmpty ? settings.regions : request.zones
        if regions.isEmpty { regions = try await regionsWithCapacity(machine.machineType) }
        guard !regions.isEmpty else {
            throw CloudAPIError(
                provider: name, operation: "launch", kind: .capacity, code: "instance-operations/launch/insufficient-capacity",
                message: "no region has capacity for \(machine.machineType)")
        }
        var lastCapacityError: CloudAPIError?
        for region in regions {
            let body: [String: Any] = [
                "region_name": region, "instance_type_name": machine.machineType, "ssh_key_names": [settings.sshKeyName],
                "quantity": 1, "name": request.instanceID, "user_data": request.userData,
                "tags": [["key": "navarch-pool", "value": request.pool], ["key": "navarch-node", "value": request.nodeID]],
            ]
            do {
                try await launches.wait()
                let answer = try await call("launch", "POST", "/instance-operations/launch", body: body, idempotent: false)
                guard let id = ((answer["data"] as? [String: Any])?["instance_ids"] as? [String])?.first else {
                    throw CloudAPIError(provider: name, operation: "launch", kind: .malformedResponse, message: "the answer names no instance")
                }
                logger.info("launched Lambda instance", metadata: ["instance": "\(request.instanceID)", "lambda": "\(id)", "region": "\(region)"])
                return ProvisionedInstance(
                    instanceID: request.instanceID, providerInstanceID: id, nodeID: request.nodeID, pool: request.pool, zone: region)
            } catch let error as CloudAPIError where error.kind == .capacity {
                logger.notice("no capacity; trying the next region", metadata: ["region": "\(region)", "error": "\(error)"])
                lastCapacityError = error
            }
        }
        throw lastCapacityError!
    }

    public func terminate(_ instance: ProvisionedInstance) async throws {
        var id = instance.providerInstanceID
        if id.isEmpty {
            guard let found = try await list().first(where: { $0.instanceID == instance.instanceID && $0.isAlive }) else { return }
            id = found.providerInstanceID
        }
        do {
            _ = try await call("terminate", "POST", "/instance-operations/terminate", body: ["instance_ids": [id]], idempotent: true)
        } catch let error as CloudAPIError where error.kind == .notFound {
            return
        }
    }

    public func list() async throws -> [ProvisionedInstance] {
        let answer = try await call("instances", "GET", "/instances", body: nil, idempotent: true)
        let items = answer["data"] as? [[String: Any]] ?? []
        return items.compactMap { item -> ProvisionedInstance? in
            guard let id = item["id"] as? String, let name = item["name"] as? String, name.hasPrefix("i-") else { return nil }
            var tags: [String: String] = [:]
            for tag in item["tags"] as? [[String: Any]] ?? [] {
                if let key = tag["key"] as? String { tags[key] = tag["value"] as? String ?? "" }
            }
            let status = item["status"] as? String ?? ""
            return ProvisionedInstance(
                instanceID: name, providerInstanceID: id, nodeID: tags["navarch-node"] ?? "", pool: tags["navarch-pool"] ?? "",
                isAlive: !["terminating", "terminated"].contains(status), address: item["ip"] as? String ?? "",
                zone: (item["region"] as? [String: Any])?["name"] as? String ?? "")
        }.filter { !$0.pool.isEmpty }.sorted { $0.instanceID < $1.instanceID }
    }

    /// Regions with capacity for `machineType` now, from `GET /instance-types`.
    public func regionsWithCapacity(_ machineType: String) async throws -> [String] {
        let answer = try await call("instance-types", "GET", "/instance-types", body: nil, idempotent: true)
        let entry = (answer["data"] as? [String: Any])?[machineType] as? [String: Any]
        return (entry?["regions_with_capacity_available"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    private func call(_ operation: String, _ method: String, _ path: String, body: Any?, idempotent: Bool) async throws -> [String: Any] {
        var headers: [(name: String, value: String)] = [("Authorization", "Bearer \(apiKey)"), ("Accept", "application/json")]
        var bytes: [UInt8] = []
        if let body {
            headers.append(("Content-Type", "application/json"))
            bytes = Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
        }
        let request = CloudRequest(
            operation: operation, method: method, url: settings.endpoint + path, headers: headers, body: bytes, idempotent: idempotent)
        let requests = self.requests
        let response = try await http.send(request) { _ in try await requests.wait() }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] else {
            throw CloudAPIError(provider: name, operation: operation, kind: .malformedResponse, status: response.status, message: "the answer is not a JSON object")
        }
        return object
    }

    /// Lambda's error envelope, `{"error": {"code": "...", "message": "...", "suggestion": "..."}}`.
    static func decodeError(operation: String, response: CloudResponse) -> CloudAPIError {
        let error = ((try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any])?["error"] as? [String: Any]
        let code = error?["code"] as? String ?? ""
        var message = error?["message"] as? String ?? String(response.text.prefix(300))
        if let suggestion = error?["suggestion"] as? String, !suggestion.isEmpty { message += " (\(suggestion))" }
        let kind: CloudAPIError.Kind
        switch code {
        case "instance-operations/launch/insufficient-capacity", "global/quota-exceeded": kind = .capacity
        case "global/invalid-api-key", "global/account-inactive": kind = .authentication
        case "global/object-does-not-exist": kind = .notFound
        case "global/too-many-requests": kind = .throttled
        default:
            switch response.status {
            case 429: kind = .throttled
            case 401, 403: kind = .authentication
            case 404: kind = .notFound
            case 500...: kind = .server
            default: kind = .invalidRequest
            }
        }
        return CloudAPIError(
            provider: "lambda", operation: operation, kind: kind, status: response.status, code: code, message: message,
            retryAfterSeconds: response.retryAfterSeconds)
    }
}
