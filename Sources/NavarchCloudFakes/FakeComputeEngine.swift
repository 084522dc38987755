import Crypto
import Foundation
import Synchronization
import _CryptoExtras

/// Compute Engine's REST API v1 as Google documents it, on a real loopback server: the OAuth
/// token endpoint (an RS256 JWT-bearer assertion, checked against the service account's public
/// key), the metadata server's token, and `instances` insert/get/delete, `aggregated/instances`
/// with label filters and pages, and zone operations that go PENDING -> RUNNING -> DONE, one
/// step per poll. Inserts are idempotent by `requestId`; a zone without capacity finishes the
/// operation with `ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS`, as the real API does.
public final class FakeComputeEngine: Sendable {
    public struct Instance: Sendable, Equatable {
        public var id: String
        public var name: String
        public var zone: String
        public var machineType: String
        public var status: String
        public var labels: [String: String]
        public var metadata: [String: String]
        public var provisioningModel: String
        public var resourcePolicies: [String]
        public var natIP: String
        public var networkIP: String
    }

    struct Operation {
        var name: String
        var id: String
        /// `zones/<zone>` or `regions/<region>`.
        var scope: String
        var type: String
        var target: String
        var pollsLeft: Int
        var status: String
        var error: (code: String, message: String, http: Int)?
        var onDone: (@Sendable (inout State) -> Void)?
    }

    struct State {
        var instances: [Instance] = []
        var operations: [String: Operation] = [:]
        var requestIDs: [String: String] = [:]
        var capacity: [String: Set<String>]
        var tokens: Set<String> = []
        var throttleNext = 0
        var nextID = 1
        var tokensIssued = 0
        /// Resource policies by `regions/<region>/resourcePolicies/<name>`, with their body.
        var policies: [String: [String: AnySendableJSON]] = [:]
    }

    public let project: String
    public let clientEmail = "navarch@navarch-test.iam.gserviceaccount.com"
    public let zones: [String]
    /// Machine types this fake knows.
    public static let machineTypes: Set<String> = ["a3-highgpu-8g", "a3-ultragpu-8g", "a4-highgpu-8g", "a2-ultragpu-8g", "a2-highgpu-8g", "g2-standard-4"]
    private let privateKey: _RSA.Signing.PrivateKey
    private let state: Mutex<State>
    private let server = FakeServerSlot()

    /// - Parameter capacity: machine type -> zones with capacity.
    public init(project: String = "navarch-test", zones: [String] = ["us-central1-a", "us-central1-b", "us-east5-a"], capacity: [String: Set<String>]) throws {
        self.project = project
        self.zones = zones
        privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        state = Mutex(State(capacity: capacity))
    }

    /// `http://127.0.0.1:<port>`; the API is under `/compute/v1`, the token endpoint at `/token`.
    public func start() async throws -> String {
        try await server.start { [self] request in self.answer(request) }
    }

    public func stop() async { await server.stop() }

    public var baseURL: String { server.baseURL }
    public var requests: [FakeHTTPRequest] { server.requests }
    public var instances: [Instance] { state.withLock { $0.instances } }
    public var tokensIssued: Int { state.withLock { $0.tokensIssued } }
    /// Resource policies by `regions/<region>/resourcePolicies/<name>`.
    public var resourcePolicies: [String] { state.withLock { $0.policies.keys.sorted() } }
    /// Adds a resource policy, as one made outside this control plane.
    public func addResourcePolicy(region: String, name: String) {
        state.withLock { $0.policies["regions/\(region)/resourcePolicies/\(name)"] = AnySendableJSON.wrap(["name": name, "groupPlacementPolicy": ["collocation": "COLLOCATED"]]) }
    }
    public func setCapacity(_ machineType: String, zones: Set<String>) { state.withLock { $0.capacity[machineType] = zones } }
    /// Answers the next `count` API calls with 403 `rateLimitExceeded`, as Compute Engine does.
    public func throttleNext(_ count: Int) { state.withLock { $0.throttleNext = count } }

    /// A service-account key file for this fake's account, minting tokens at this fake.
    public func serviceAccountKeyJSON(privateKeyPEM: String? = nil) -> Data {
        let object: [String: Any] = [
            "type": "service_account", "project_id": project, "private_key_id": "0123456789abcdef",
            "private_key": privateKeyPEM ?? privateKey.pemRepresentation, "client_email": clientEmail, "client_id": "1000000000001",
            "token_uri": baseURL + "/token", "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }

    static func error(_ status: Int, _ message: String, reason: String, statusName: String) -> FakeHTTPResponse {
        .json(status, ["error": ["code": status, "message": message, "errors": [["message": message, "domain": "global", "reason": reason]], "status": statusName]])
    }

    func answer(_ request: FakeHTTPRequest) -> FakeHTTPResponse {
        if request.path == "/token" { return token(request) }
        if request.path == "/computeMetadata/v1/instance/service-accounts/default/token" {
            guard request.header("metadata-flavor") == "Google" else { return .text(403, "Missing Metadata-Flavor:Google header.") }
            return issueToken()
        }
        let prefix = "/compute/v1/projects/"
        guard request.path.hasPrefix(prefix) else { return Self.error(404, "Not Found", reason: "notFound", statusName: "NOT_FOUND") }
        let bearer = request.header("authorization").flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        guard let bearer, authorized(bearer) else {
            return Self.error(401, "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.", reason: "required", statusName: "UNAUTHENTICATED")
        }
        let parts = request.path.dropFirst(prefix.count).split(separator: "/").map(String.init)
        guard parts.first == project else {
            return Self.error(403, "Required 'compute.instances.list' permission for 'projects/\(parts.first ?? "")'", reason: "forbidden", statusName: "PERMISSION_DENIED")
        }
        return state.withLock { state -> FakeHTTPResponse in
            if state.throttleNext > 0 {
                state.throttleNext -= 1
                return Self.error(403, "Rate Limit Exceeded", reason: "rateLimitExceeded", statusName: "PERMISSION_DENIED")
            }
            let rest = Array(parts.dropFirst())
            let method = request.method
            if method == "GET", rest == ["aggregated", "instances"] { return aggregatedList(request, &state) }
            if rest.count >= 3, rest[0] == "regions" {
                return region(request, rest, &state)
            }
            guard rest.count >= 3, rest[0] == "zones" else {
                return Self.error(404, "The requested URL \(request.path) was not found.", reason: "notFound", statusName: "NOT_FOUND")
            }
            let zone = rest[1]
            switch (method, rest[2], rest.count) {
            case ("POST", "instances", 3): return insert(request, zone: zone, &state)
            case ("GET", "instances", 4):
                guard let instance = state.instances.first(where: { $0.zone == zone && $0.name == rest[3] }) else { return notFound("instances/\(rest[3])", zone: zone) }
                return .json(200, json(instance))
            case ("DELETE", "instances", 4): return delete(request, zone: zone, name: rest[3], &state)
            case ("GET", "operations", 4), ("POST", "operations", 5) where rest.count == 4 || rest[4] == "wait":
                let name = rest[3]
                return poll(name, scope: "zones/\(zone)", &state)
            default:
                return Self.error(404, "The requested URL \(request.path) was not found.", reason: "notFound", statusName: "NOT_FOUND")
            }
        }
    }

    /// One poll of an operation: it advances a step, and its effect happens when it is DONE.
    func poll(_ name: String, scope: String, _ state: inout State) -> FakeHTTPResponse {
        guard var operation = state.operations[name], operation.scope == scope else {
            return Self.error(404, "The resource 'projects/\(project)/\(scope)/operations/\(name)' was not found", reason: "notFound", statusName: "NOT_FOUND")
        }
        if operation.status != "DONE" {
            operation.pollsLeft -= 1
            operation.status = operation.pollsLeft <= 0 ? "DONE" : "RUNNING"
            if operation.status == "DONE", let done = operation.onDone { done(&state) }
            state.operations[name] = operation
        }
        return .json(200, json(operation))
    }

    /// `regions/<region>/resourcePolicies` (insert, get) and `regions/<region>/operations/<name>`.
    func region(_ request: FakeHTTPRequest, _ rest: [String], _ state: inout State) -> FakeHTTPResponse {
        let region = rest[1]
        let scope = "regions/\(region)"
        switch (request.method, rest[2], rest.count) {
        case ("GET", "operations", 4), ("POST", "operations", 5):
            return poll(rest[3], scope: scope, &state)
        case ("GET", "resourcePolicies", 4):
            guard let policy = state.policies["\(scope)/resourcePolicies/\(rest[3])"] else {
                return Self.error(404, "The resource 'projects/\(project)/\(scope)/resourcePolicies/\(rest[3])' was not found", reason: "notFound", statusName: "NOT_FOUND")
            }
            return .json(200, AnySendableJSON.unwrap(policy))
        case ("POST", "resourcePolicies", 3):
            if let requestID = request.query["requestId"], let existing = state.requestIDs[requestID], let operation = state.operations[existing] {
                return .json(200, json(operation))
            }
            guard let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any], let name = body["name"] as? String,
                  name.range(of: "^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", options: .regularExpression) != nil
            else { return Self.error(400, "Invalid value for field 'resource.name'.", reason: "invalid", statusName: "INVALID_ARGUMENT") }
            guard (body["groupPlacementPolicy"] as? [String: Any])?["collocation"] as? String == "COLLOCATED" else {
                return Self.error(400, "Invalid value for field 'resource.groupPlacementPolicy.collocation'.", reason: "invalid", statusName: "INVALID_ARGUMENT")
            }
            let key = "\(scope)/resourcePolicies/\(name)"
            guard state.policies[key] == nil else {
                return Self.error(409, "The resource 'projects/\(project)/\(key)' already exists", reason: "alreadyExists", statusName: "ALREADY_EXISTS")
            }
            let number = state.nextID
            state.nextID += 1
            var stored = body
            stored["kind"] = "compute#resourcePolicy"
            stored["region"] = "https://www.googleapis.com/compute/v1/projects/\(project)/\(scope)"
            stored["selfLink"] = "https://www.googleapis.com/compute/v1/projects/\(project)/\(key)"
            stored["status"] = "READY"
            let wrapped = AnySendableJSON.wrap(stored)
            var operation = Operation(
                name: "operation-\(1_700_000_000_000 + number)-\(UUID().uuidString.prefix(8).lowercased())", id: "\(7_000_000_000 + number)",
                scope: scope, type: "insert", target: "projects/\(project)/\(key)", pollsLeft: 2, status: "PENDING")
            operation.onDone = { state in state.policies[key] = wrapped }
            state.operations[operation.name] = operation
            if let requestID = request.query["requestId"] { state.requestIDs[requestID] = operation.name }
            return .json(200, json(operation))
        default:
            return Self.error(404, "The requested URL \(request.path) was not found.", reason: "notFound", statusName: "NOT_FOUND")
        }
    }

    func notFound(_ resource: String, zone: String) -> FakeHTTPResponse {
        Self.error(404, "The resource 'projects/\(project)/zones/\(zone)/\(resource)' was not found", reason: "notFound", statusName: "NOT_FOUND")
    }

    func token(_ request: FakeHTTPRequest) -> FakeHTTPResponse {
        let form = request.form
        func refuse(_ description: String) -> FakeHTTPResponse { .json(400, ["error": "invalid_grant", "error_description": description]) }
        guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer" else {
            return .json(400, ["error": "unsupported_grant_type", "error_description": "Invalid grant_type: \(form["grant_type"] ?? "")"])
        }
        let claims: [String: Any]
        switch verifiedClaims(form["assertion"] ?? "") {
        case .success(let verified): claims = verified
        case .failure(let error): return refuse(error.description)
        }
        let now = Int(Date().timeIntervalSince1970)
        guard claims["iss"] as? String == clientEmail else { return .json(401, ["error": "invalid_client", "error_description": "The OAuth client was not found."]) }
        guard claims["aud"] as? String == "https://oauth2.googleapis.com/token" else { return refuse("Invalid JWT: Failed audience check.") }
        guard let iat = claims["iat"] as? Int, let exp = claims["exp"] as? Int, exp > now, iat <= now + 60, exp - iat <= 3600 else {
            return refuse("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
        }
        guard let scope = claims["scope"] as? String, scope.contains("compute") || scope.contains("cloud-platform") else {
            return refuse("Invalid OAuth scope or ID token audience provided.")
        }
        return issueToken()
    }

    /// The claims of a JWT signed with the service account's key, or why it is refused.
    func verifiedClaims(_ jwt: String) -> Result<[String: Any], FakeServerError> {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let headerData = Self.base64URLDecode(parts[0]), let claimsData = Self.base64URLDecode(parts[1]),
              let signatureData = Self.base64URLDecode(parts[2]),
              let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any],
              let claims = (try? JSONSerialization.jsonObject(with: claimsData)) as? [String: Any]
        else { return .failure(FakeServerError("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.")) }
        guard header["alg"] as? String == "RS256" else { return .failure(FakeServerError("Invalid JWT: unsupported algorithm")) }
        let signature = _RSA.Signing.RSASignature(rawRepresentation: signatureData)
        guard privateKey.publicKey.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8), padding: .insecurePKCS1v1_5) else {
            return .failure(FakeServerError("Invalid JWT Signature."))
        }
        return .success(claims)
    }

    /// A bearer token this fake issued, or a self-signed JWT of the service account (what
    /// Google's client libraries send instead of trading it for a token).
    func authorized(_ bearer: String) -> Bool {
        if state.withLock({ $0.tokens.contains(bearer) }) { return true }
        guard case .success(let claims) = verifiedClaims(bearer), claims["iss"] as? String == clientEmail,
              let exp = claims["exp"] as? Int, exp > Int(Date().timeIntervalSince1970)
        else { return false }
        return true
    }

    func issueToken() -> FakeHTTPResponse {
        let token = "ya29.fake-" + UUID().uuidString.lowercased()
        state.withLock {
            $0.tokens.insert(token)
            $0.tokensIssued += 1
        }
        return .json(200, ["access_token": token, "expires_in": 3599, "token_type": "Bearer"])
    }

    func insert(_ request: FakeHTTPRequest, zone: String, _ state: inout State) -> FakeHTTPResponse {
        guard zones.contains(zone) else { return Self.error(400, "Invalid value for field 'zone': '\(zone)'. Unknown zone.", reason: "invalid", statusName: "INVALID_ARGUMENT") }
        if let requestID = request.query["requestId"], let existing = state.requestIDs[requestID], let operation = state.operations[existing] {
            return .json(200, json(operation))
        }
        guard let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] else {
            return Self.error(400, "Invalid JSON payload received.", reason: "parseError", statusName: "INVALID_ARGUMENT")
        }
        let name = body["name"] as? String ?? ""
        guard name.range(of: "^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", options: .regularExpression) != nil else {
            return Self.error(400, "Invalid value for field 'resource.name': '\(name)'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'", reason: "invalid", statusName: "INVALID_ARGUMENT")
        }
        let machineTypeField = body["machineType"] as? String ?? ""
        let machineType = String(machineTypeField.split(separator: "/").last ?? "")
        guard Self.machineTypes.contains(machineType) else {
            return Self.error(400, "Invalid value for field 'resource.machineType': '\(machineTypeField)'. Machine type with name '\(machineType)' does not exist in zone '\(zone)'.", reason: "invalid", statusName: "INVALID_ARGUMENT")
        }
        guard let disks = body["disks"] as? [[String: Any]], disks.contains(where: { $0["boot"] as? Bool == true }) else {
            return Self.error(400, "Invalid value for field 'resource.disks': ''. Boot disk must be specified.", reason: "invalid", statusName: "INVALID_ARGUMENT")
        }
        for policy in body["resourcePolicies"] as? [String] ?? [] {
            let key = policy.components(separatedBy: "projects/\(project)/").last ?? policy
            guard state.policies[key] != nil else {
                return Self.error(404, "The resource '\(policy)' was not found", reason: "notFound", statusName: "NOT_FOUND")
            }
        }
        guard !state.instances.contains(where: { $0.zone == zone && $0.name == name }) else {
            return Self.error(409, "The resource 'projects/\(project)/zones/\(zone)/instances/\(name)' already exists", reason: "alreadyExists", statusName: "ALREADY_EXISTS")
        }
        var metadata: [String: String] = [:]
        for item in (body["metadata"] as? [String: Any])?["items"] as? [[String: Any]] ?? [] {
            if let key = item["key"] as? String { metadata[key] = item["value"] as? String ?? "" }
        }
        let scheduling = body["scheduling"] as? [String: Any] ?? [:]
        let number = state.nextID
        state.nextID += 1
        let instance = Instance(
            id: "\(4_000_000_000_000_000_000 + number)", name: name, zone: zone, machineType: machineType, status: "PROVISIONING",
            labels: body["labels"] as? [String: String] ?? [:], metadata: metadata,
            provisioningModel: scheduling["provisioningModel"] as? String ?? "STANDARD",
            resourcePolicies: body["resourcePolicies"] as? [String] ?? [],
            natIP: ((body["networkInterfaces"] as? [[String: Any]])?.first?["accessConfigs"] as? [[String: Any]])?.isEmpty == false ? "34.70.0.\(number)" : "",
            networkIP: "10.128.0.\(number)")
        var operation = Operation(
            name: "operation-\(1_700_000_000_000 + number)-\(UUID().uuidString.prefix(8).lowercased())", id: "\(7_000_000_000 + number)",
            scope: "zones/\(zone)", type: "insert", target: "projects/\(project)/zones/\(zone)/instances/\(name)", pollsLeft: 2, status: "PENDING")
        if state.capacity[machineType]?.contains(zone) == true {
            state.instances.append(instance)
            operation.onDone = { state in
                if let index = state.instances.firstIndex(where: { $0.zone == zone && $0.name == name }) { state.instances[index].status = "RUNNING" }
            }
        } else {
            operation.error = (
                "ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS",
                "The zone 'projects/\(project)/zones/\(zone)' does not have enough resources available to fulfill the request.  '(resource type:compute)'.",
                503)
        }
        state.operations[operation.name] = operation
        if let requestID = request.query["requestId"] { state.requestIDs[requestID] = operation.name }
        return .json(200, json(operation))
    }

    func delete(_ request: FakeHTTPRequest, zone: String, name: String, _ state: inout State) -> FakeHTTPResponse {
        if let requestID = request.query["requestId"], let existing = state.requestIDs[requestID], let operation = state.operations[existing] {
            return .json(200, json(operation))
        }
        guard let index = state.instances.firstIndex(where: { $0.zone == zone && $0.name == name }) else { return notFound("instances/\(name)", zone: zone) }
        state.instances[index].status = "STOPPING"
        let number = state.nextID
        state.nextID += 1
        var operation = Operation(
            name: "operation-\(1_700_000_000_000 + number)-\(UUID().uuidString.prefix(8).lowercased())", id: "\(7_000_000_000 + number)",
            scope: "zones/\(zone)", type: "delete", target: "projects/\(project)/zones/\(zone)/instances/\(name)", pollsLeft: 2, status: "PENDING")
        operation.onDone = { state in state.instances.removeAll { $0.zone == zone && $0.name == name } }
        state.operations[operation.name] = operation
        if let requestID = request.query["requestId"] { state.requestIDs[requestID] = operation.name }
        return .json(200, json(operation))
    }

    func aggregatedList(_ request: FakeHTTPRequest, _ state: inout State) -> FakeHTTPResponse {
        var matching = state.instances
        if let filter = request.query["filter"], !filter.isEmpty {
            // `labels.KEY = "VALUE"` (or unquoted, or `labels.KEY:*`), the forms this fake supports.
            guard let match = filter.firstMatch(of: /^labels\.([a-z0-9_-]+)\s*(=|:)\s*"?([^"]*)"?$/) else {
                return Self.error(400, "Invalid value for field 'filter': '\(filter)'. Invalid list filter expression.", reason: "invalid", statusName: "INVALID_ARGUMENT")
            }
            let key = String(match.1), value = String(match.3)
            matching = matching.filter { match.2 == ":" && value == "*" ? $0.labels[key] != nil : $0.labels[key] == value }
        }
        matching.sort { ($0.zone, $0.name) < ($1.zone, $1.name) }
        let pageSize = max(1, min(500, Int(request.query["maxResults"] ?? "") ?? 500))
        let start = Int(request.query["pageToken"] ?? "") ?? 0
        let page = Array(matching.dropFirst(start).prefix(pageSize))
        var items: [String: Any] = [:]
        for zone in zones {
            let here = page.filter { $0.zone == zone }
            items["zones/\(zone)"] = here.isEmpty
                ? ["warning": ["code": "NO_RESULTS_ON_PAGE", "message": "There are no results for scope 'zones/\(zone)' on this page.", "data": [["key": "scope", "value": "zones/\(zone)"]]]]
                : ["instances": here.map(json)]
        }
        var answer: [String: Any] = [
            "kind": "compute#instanceAggregatedList", "id": "projects/\(project)/aggregated/instances", "items": items,
            "selfLink": "\(baseURL)/compute/v1/projects/\(project)/aggregated/instances",
        ]
        if start + pageSize < matching.count { answer["nextPageToken"] = String(start + pageSize) }
        return .json(200, answer)
    }

    func json(_ instance: Instance) -> [String: Any] {
        let zoneURL = "https://www.googleapis.com/compute/v1/projects/\(project)/zones/\(instance.zone)"
        var interface: [String: Any] = [
            "kind": "compute#networkInterface", "name": "nic0", "networkIP": instance.networkIP,
            "network": "https://www.googleapis.com/compute/v1/projects/\(project)/global/networks/default",
        ]
        if !instance.natIP.isEmpty {
            interface["accessConfigs"] = [["kind": "compute#accessConfig", "type": "ONE_TO_ONE_NAT", "name": "External NAT", "natIP": instance.natIP, "networkTier": "PREMIUM"]]
        }
        return [
            "kind": "compute#instance", "id": instance.id, "name": instance.name, "zone": zoneURL, "status": instance.status,
            "machineType": "\(zoneURL)/machineTypes/\(instance.machineType)", "labels": instance.labels,
            "metadata": ["kind": "compute#metadata", "fingerprint": "cPm0ZyR0yHc=", "items": instance.metadata.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] }],
            "networkInterfaces": [interface], "resourcePolicies": instance.resourcePolicies,
            "scheduling": ["provisioningModel": instance.provisioningModel, "onHostMaintenance": "TERMINATE", "automaticRestart": instance.provisioningModel != "SPOT"],
            "selfLink": "\(zoneURL)/instances/\(instance.name)", "creationTimestamp": "2026-11-30T10:00:00.000-08:00",
        ]
    }

    func json(_ operation: Operation) -> [String: Any] {
        let zoneURL = "https://www.googleapis.com/compute/v1/projects/\(project)/\(operation.scope)"
        var answer: [String: Any] = [
            "kind": "compute#operation", "id": operation.id, "name": operation.name, operation.scope.hasPrefix("zones/") ? "zone" : "region": zoneURL,
            "operationType": operation.type,
            "targetLink": "https://www.googleapis.com/compute/v1/\(operation.target)", "status": operation.status,
            "user": clientEmail, "progress": operation.status == "DONE" ? 100 : 0, "insertTime": "2026-11-30T10:00:00.000-08:00",
            "selfLink": "\(zoneURL)/operations/\(operation.name)",
        ]
        if operation.status == "DONE", let error = operation.error {
            answer["error"] = ["errors": [["code": error.code, "message": error.message]]]
            answer["httpErrorStatusCode"] = error.http
            answer["httpErrorMessage"] = "SERVICE UNAVAILABLE"
        }
        return answer
    }

    static func base64URLDecode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
