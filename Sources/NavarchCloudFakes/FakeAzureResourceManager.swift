import Foundation
import Synchronization

/// Azure Resource Manager's virtual machine API as Microsoft documents it, on a real loopback
/// server: Entra ID's client-credentials token endpoint, `virtualMachines` PUT (answered 201
/// with an `Azure-AsyncOperation` to poll), GET, DELETE (202, polled the same way) and list
/// with `nextLink` pages, ARM's `{"error": {"code", "message"}}` envelope, and the allocation
/// failures: `SkuNotAvailable` at once for a size the region does not offer, and
/// `ZonalAllocationFailed`/`AllocationFailed` in the operation for a zone without capacity.
public final class FakeAzureResourceManager: Sendable {
    public struct Machine: Sendable, Equatable {
        public var name: String
        public var vmID: String
        public var size: String
        public var zone: String?
        public var provisioningState: String
        public var tags: [String: String]
        public var priority: String
        public var evictionPolicy: String?
        public var customData: String
        public var subnetID: String
        public var proximityPlacementGroup: String?
        public var body: [String: AnySendableJSON]
    }

    struct Operation {
        var pollsLeft: Int
        var status: String
        var error: (code: String, message: String)?
        var onDone: (@Sendable (inout State) -> Void)?
    }

    struct State {
        var machines: [Machine] = []
        var operations: [String: Operation] = [:]
        var capacity: [String: Set<String>]
        var tokens: Set<String> = []
        var throttleNext = 0
        var tokensIssued = 0
        var proximityGroups: Set<String> = []
    }

    public let tenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    public let clientID = "0f5c6b7a-1d2e-4f30-8a9b-c0d1e2f3a4b5"
    public let clientSecret = "Nvx8Q~fakeSecretValue0123456789abcdefXYZ"
    public let subscriptionID = "8f3b2c1d-4e5f-4a6b-9c7d-0e1f2a3b4c5d"
    public let resourceGroup = "navarch-rg"
    public let location: String
    /// Sizes the region offers.
    public static let sizes: Set<String> = ["Standard_ND96isr_H100_v5", "Standard_ND96isr_H200_v5", "Standard_ND96amsr_A100_v4", "Standard_ND96asr_v4", "Standard_NC4as_T4_v3"]
    public let pageSize: Int
    private let state: Mutex<State>
    private let server = FakeServerSlot()

    /// - Parameter capacity: VM size -> zones with capacity (`""` for a machine without a zone).
    public init(location: String = "eastus", capacity: [String: Set<String>], pageSize: Int = 50) {
        self.location = location
        self.pageSize = pageSize
        state = Mutex(State(capacity: capacity))
    }

    /// `http://127.0.0.1:<port>`: ARM at the root, the token endpoint at `/<tenant>/oauth2/v2.0/token`.
    public func start() async throws -> String {
        try await server.start { [self] request in self.answer(request) }
    }

    public func stop() async { await server.stop() }

    public var baseURL: String { server.baseURL }
    public var requests: [FakeHTTPRequest] { server.requests }
    public var machines: [Machine] { state.withLock { $0.machines } }
    public var tokensIssued: Int { state.withLock { $0.tokensIssued } }
    public var subnetID: String {
        "/subscriptions/\(subscriptionID)/resourceGroups/\(resourceGroup)/providers/Microsoft.Network/virtualNetworks/navarch-vnet/subnets/gpu"
    }
    /// Proximity placement groups (resource ids, lower-cased).
    public var proximityPlacementGroups: [String] { state.withLock { $0.proximityGroups.sorted() } }
    public func setCapacity(_ size: String, zones: Set<String>) { state.withLock { $0.capacity[size] = zones } }
    /// Answers the next `count` ARM calls with 429 `TooManyRequests` and `Retry-After: 1`.
    public func throttleNext(_ count: Int) { state.withLock { $0.throttleNext = count } }

    static func error(_ status: Int, _ code: String, _ message: String, headers: [String: String] = [:]) -> FakeHTTPResponse {
        .json(status, ["error": ["code": code, "message": message]], headers: headers)
    }

    func answer(_ request: FakeHTTPRequest) -> FakeHTTPResponse {
        if request.path == "/\(tenantID)/oauth2/v2.0/token" { return token(request) }
        if request.path.hasSuffix("/oauth2/v2.0/token") {
            return .json(400, ["error": "invalid_request", "error_description": "AADSTS90002: Tenant '\(request.path.split(separator: "/").first ?? "")' not found."])
        }
        let bearer = request.header("authorization").flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        guard let bearer, state.withLock({ $0.tokens.contains(bearer) }) else {
            return Self.error(401, bearer == nil ? "AuthenticationFailed" : "InvalidAuthenticationToken",
                bearer == nil ? "Authentication failed. The 'Authorization' header is missing." : "The access token is invalid.")
        }
        guard let version = request.query["api-version"], version.range(of: "^\\d{4}-\\d{2}-\\d{2}(-preview)?$", options: .regularExpression) != nil else {
            return Self.error(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
        }
        let parts = request.path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        guard parts.count >= 2, parts[0] == "subscriptions" else { return Self.error(404, "InvalidResourceType", "No route for \(request.path).") }
        guard parts[1] == subscriptionID else { return Self.error(404, "SubscriptionNotFound", "The subscription '\(parts[1])' could not be found.") }
        return state.withLock { state -> FakeHTTPResponse in
            if state.throttleNext > 0 {
                state.throttleNext -= 1
                return Self.error(429, "TooManyRequests", "The request is being throttled as the limit has been reached for operation type - Read_ObjectId.", headers: ["Retry-After": "1"])
            }
            // .../providers/Microsoft.Compute/locations/<loc>/operations/<id>
            if parts.count == 8, parts[2] == "providers", parts[4] == "locations", parts[6] == "operations" {
                return operation(parts[7], &state)
            }
            if parts.count == 8, parts[2] == "resourceGroups", parts[6] == "proximityPlacementGroups" {
                guard parts[3] == resourceGroup else { return Self.error(404, "ResourceGroupNotFound", "Resource group '\(parts[3])' could not be found.") }
                return proximityGroup(request, path: "/" + parts.joined(separator: "/"), &state)
            }
            guard parts.count >= 6, parts[2] == "resourceGroups", parts[4] == "providers", parts[5] == "Microsoft.Compute",
                  parts.count > 6, parts[6] == "virtualMachines"
            else { return Self.error(404, "InvalidResourceType", "No route for \(request.path).") }
            guard parts[3] == resourceGroup else { return Self.error(404, "ResourceGroupNotFound", "Resource group '\(parts[3])' could not be found.") }
            if parts.count == 7 {
                guard request.method == "GET" else { return Self.error(405, "MethodNotAllowed", "\(request.method) is not allowed here.") }
                return list(request, &state)
            }
            let name = parts[7]
            switch request.method {
            case "PUT": return put(request, name: name, &state)
            case "GET":
                guard let machine = state.machines.first(where: { $0.name == name }) else { return notFound(name) }
                return .json(200, json(machine))
            case "DELETE": return delete(name, version: version, &state)
            default: return Self.error(405, "MethodNotAllowed", "\(request.method) is not allowed here.")
            }
        }
    }

    /// PUT (create, or the same again) and GET of a proximity placement group.
    func proximityGroup(_ request: FakeHTTPRequest, path: String, _ state: inout State) -> FakeHTTPResponse {
        let name = String(path.split(separator: "/").last ?? "")
        let body: [String: Any] = [
            "id": path, "name": name, "type": "Microsoft.Compute/proximityPlacementGroups", "location": location,
            "properties": ["proximityPlacementGroupType": "Standard"],
        ]
        switch request.method {
        case "PUT":
            guard let sent = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any], sent["location"] as? String == location else {
                return Self.error(400, "InvalidParameter", "The location of the proximity placement group must be '\(location)'.")
            }
            let created = state.proximityGroups.insert(path.lowercased()).inserted
            return .json(created ? 201 : 200, body)
        case "GET":
            return state.proximityGroups.contains(path.lowercased()) ? .json(200, body)
                : Self.error(404, "ResourceNotFound", "The Resource 'Microsoft.Compute/proximityPlacementGroups/\(name)' under resource group '\(resourceGroup)' was not found.")
        default:
            return Self.error(405, "MethodNotAllowed", "\(request.method) is not allowed here.")
        }
    }

    func notFound(_ name: String) -> FakeHTTPResponse {
        Self.error(404, "ResourceNotFound", "The Resource 'Microsoft.Compute/virtualMachines/\(name)' under resource group '\(resourceGroup)' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
    }

    func token(_ request: FakeHTTPRequest) -> FakeHTTPResponse {
        let form = request.form
        guard form["grant_type"] == "client_credentials" else {
            return .json(400, ["error": "unsupported_grant_type", "error_description": "AADSTS70003: The app requested an unsupported grant type '\(form["grant_type"] ?? "")'."])
        }
        guard form["client_id"] == clientID else {
            return .json(400, ["error": "unauthorized_client", "error_description": "AADSTS700016: Application with identifier '\(form["client_id"] ?? "")' was not found in the directory."])
        }
        guard form["client_secret"] == clientSecret else {
            return .json(401, ["error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '\(clientID)'.", "error_codes": [7000215]])
        }
        guard form["scope"] == "https://management.azure.com/.default" else {
            return .json(400, ["error": "invalid_scope", "error_description": "AADSTS1002012: The provided value for scope \(form["scope"] ?? "") is not valid."])
        }
        let token = "eyJ0eXAiOiJKV1QifQ.fake-" + UUID().uuidString.lowercased()
        state.withLock {
            $0.tokens.insert(token)
            $0.tokensIssued += 1
        }
        return .json(200, ["token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token])
    }

    func newOperation(_ operation: Operation, _ state: inout State) -> String {
        let id = UUID().uuidString.lowercased()
        state.operations[id] = operation
        return "\(baseURL)/subscriptions/\(subscriptionID)/providers/Microsoft.Compute/locations/\(location)/operations/\(id)?api-version=2024-07-01"
    }

    func operation(_ id: String, _ state: inout State) -> FakeHTTPResponse {
        guard var operation = state.operations[id] else { return Self.error(404, "NotFound", "Operation \(id) was not found.") }
        if operation.pollsLeft > 0 {
            operation.pollsLeft -= 1
            if operation.pollsLeft == 0 {
                operation.status = operation.error == nil ? "Succeeded" : "Failed"
                operation.onDone?(&state)
            }
            state.operations[id] = operation
        }
        var body: [String: Any] = ["name": id, "startTime": "2026-11-30T18:00:00.0000000+00:00", "status": operation.status]
        if let error = operation.error, operation.status == "Failed" { body["error"] = ["code": error.code, "message": error.message] }
        if operation.status != "InProgress" { body["endTime"] = "2026-11-30T18:00:30.0000000+00:00" }
        return .json(200, body)
    }

    func put(_ request: FakeHTTPRequest, name: String, _ state: inout State) -> FakeHTTPResponse {
        guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$", options: .regularExpression) != nil else {
            return Self.error(400, "InvalidResourceName", "The resource name '\(name)' is invalid.")
        }
        guard let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] else {
            return Self.error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.")
        }
        guard body["location"] as? String == location else {
            return Self.error(400, "LocationNotAvailableForResourceType", "The provided location '\(body["location"] ?? "")' is not available for resource type 'Microsoft.Compute/virtualMachines'.")
        }
        let properties = body["properties"] as? [String: Any] ?? [:]
        let size = (properties["hardwareProfile"] as? [String: Any])?["vmSize"] as? String ?? ""
        guard Self.sizes.contains(size) else {
            return Self.error(409, "SkuNotAvailable", "The requested VM size for resource 'Following SKUs have failed for Capacity Restrictions: \(size)' is currently not available in location '\(location)'. Please try another size or deploy to a different location or different zone. See https://aka.ms/azureskunotavailable for details.")
        }
        let os = properties["osProfile"] as? [String: Any] ?? [:]
        guard let admin = os["adminUsername"] as? String, !admin.isEmpty else {
            return Self.error(400, "InvalidParameter", "Required parameter 'adminUsername' is missing (null).")
        }
        guard (properties["storageProfile"] as? [String: Any])?["imageReference"] != nil else {
            return Self.error(400, "InvalidParameter", "Required parameter 'imageReference' is missing (null).")
        }
        let network = properties["networkProfile"] as? [String: Any] ?? [:]
        let configuration = (network["networkInterfaceConfigurations"] as? [[String: Any]])?.first?["properties"] as? [String: Any]
        let subnet = (((configuration?["ipConfigurations"] as? [[String: Any]])?.first?["properties"] as? [String: Any])?["subnet"] as? [String: Any])?["id"] as? String
        guard let subnet, subnet == subnetID else {
            return Self.error(400, "InvalidParameter", "The subnet '\(subnet ?? "")' of the network interface configuration was not found.")
        }
        if (network["networkInterfaceConfigurations"] != nil) && network["networkApiVersion"] == nil {
            return Self.error(400, "InvalidParameter", "networkApiVersion must be specified with networkInterfaceConfigurations.")
        }
        if let group = (properties["proximityPlacementGroup"] as? [String: Any])?["id"] as? String,
           group.hasPrefix("/subscriptions/\(subscriptionID)/"), !state.proximityGroups.contains(group.lowercased()) {
            return Self.error(404, "NotFound", "The proximity placement group '\(group)' was not found.")
        }
        let zone = (body["zones"] as? [String])?.first
        if let existing = state.machines.first(where: { $0.name == name }), existing.zone != zone {
            return Self.error(409, "PropertyChangeNotAllowed", "Changing property 'zones' is not allowed.")
        }
        var machine = Machine(
            name: name, vmID: UUID().uuidString.lowercased(), size: size, zone: zone, provisioningState: "Creating",
            tags: body["tags"] as? [String: String] ?? [:], priority: properties["priority"] as? String ?? "Regular",
            evictionPolicy: properties["evictionPolicy"] as? String, customData: os["customData"] as? String ?? "", subnetID: subnet,
            proximityPlacementGroup: (properties["proximityPlacementGroup"] as? [String: Any])?["id"] as? String,
            body: AnySendableJSON.wrap(body))
        let created: Bool
        if let index = state.machines.firstIndex(where: { $0.name == name }) {
            machine.vmID = state.machines[index].vmID
            machine.provisioningState = "Updating"
            state.machines[index] = machine
            created = false
        } else {
            state.machines.append(machine)
            created = true
        }
        let hasCapacity = state.capacity[size]?.contains(zone ?? "") == true
        let failure: (String, String)? = hasCapacity ? nil : zone == nil
            ? ("AllocationFailed", "Allocation failed. We do not have sufficient capacity for the requested VM size in this region. Read more about improving likelihood of allocation success at http://aka.ms/allocation-guidance")
            : ("ZonalAllocationFailed", "Allocation failed. We do not have sufficient capacity for the requested VM size in this zone. Read more about improving likelihood of allocation success at http://aka.ms/allocation-guidance")
        let operation = Operation(pollsLeft: 2, status: "InProgress", error: failure) { state in
            if let index = state.machines.firstIndex(where: { $0.name == name }) { state.machines[index].provisioningState = hasCapacity ? "Succeeded" : "Failed" }
        }
        let url = newOperation(operation, &state)
        return .json(created ? 201 : 200, json(machine), headers: ["Azure-AsyncOperation": url])
    }

    func delete(_ name: String, version: String, _ state: inout State) -> FakeHTTPResponse {
        guard let index = state.machines.firstIndex(where: { $0.name == name }) else { return FakeHTTPResponse(status: 204) }
        state.machines[index].provisioningState = "Deleting"
        let url = newOperation(Operation(pollsLeft: 2, status: "InProgress") { state in state.machines.removeAll { $0.name == name } }, &state)
        return FakeHTTPResponse(status: 202, headers: ["Azure-AsyncOperation": url, "Location": url])
    }

    func list(_ request: FakeHTTPRequest, _ state: inout State) -> FakeHTTPResponse {
        let start = Int(request.query["$skiptoken"] ?? "") ?? 0
        let sorted = state.machines.sorted { $0.name < $1.name }
        var answer: [String: Any] = ["value": sorted.dropFirst(start).prefix(pageSize).map(json)]
        if start + pageSize < sorted.count {
            answer["nextLink"] = "\(baseURL)/subscriptions/\(subscriptionID)/resourceGroups/\(resourceGroup)/providers/Microsoft.Compute/virtualMachines?api-version=\(request.query["api-version"] ?? "")&$skiptoken=\(start + pageSize)"
        }
        return .json(200, answer)
    }

    func json(_ machine: Machine) -> [String: Any] {
        var body = AnySendableJSON.unwrap(machine.body) as? [String: Any] ?? [:]
        var properties = body["properties"] as? [String: Any] ?? [:]
        properties["provisioningState"] = machine.provisioningState
        properties["vmId"] = machine.vmID
        if var os = properties["osProfile"] as? [String: Any] {
            os["customData"] = nil  // ARM never returns custom data
            properties["osProfile"] = os
        }
        body["properties"] = properties
        body["id"] = "/subscriptions/\(subscriptionID)/resourceGroups/\(resourceGroup)/providers/Microsoft.Compute/virtualMachines/\(machine.name)"
        body["name"] = machine.name
        body["type"] = "Microsoft.Compute/virtualMachines"
        return body
    }
}

/// A JSON value that can cross concurrency domains (the fakes keep request bodies).
public indirect enum AnySendableJSON: Sendable, Equatable {
    case string(String), number(Double), bool(Bool), null, array([AnySendableJSON]), object([String: AnySendableJSON])

    static func wrap(_ value: Any) -> AnySendableJSON {
        switch value {
        case let value as String: return .string(value)
        // JSONSerialization gives booleans as NSNumbers of type `c`.
        case let value as NSNumber: return String(cString: value.objCType) == "c" ? .bool(value.boolValue) : .number(value.doubleValue)
        case let value as [Any]: return .array(value.map(wrap))
        case let value as [String: Any]: return .object(value.mapValues(wrap))
        default: return .null
        }
    }

    static func wrap(_ value: [String: Any]) -> [String: AnySendableJSON] { value.mapValues(wrap) }

    static func unwrap(_ value: [String: AnySendableJSON]) -> Any { value.mapValues { $0.unwrapped } }

    var unwrapped: Any {
        switch self {
        case .string(let value): return value
        case .number(let value): return value == value.rounded() && abs(value) < 1e15 ? Int(value) as Any : value
        case .bool(let value): return value
        case .null: return NSNull()
        case .array(let values): return values.map(\.unwrapped)
        case .object(let values): return values.mapValues(\.unwrapped)
        }
    }
}
