import Foundation
import Synchronization

/// Lambda Cloud's REST API v1 as its documentation describes it (`/instance-types`,
/// `/instances`, `/instance-operations/launch` and `/terminate`, bearer API keys, the
/// `{"error": {"code", "message", "suggestion"}}` envelope), on a real loopback server. It keeps
/// the published rate limits and answers 429 to a client that does not, counting them.
public final class FakeLambdaCloud: Sendable {
    public struct Instance: Sendable, Equatable {
        public var id: String
        public var name: String
        public var type: String
        public var region: String
        public var status: String
        public var userData: String
        public var tags: [String: String]
        public var sshKeys: [String]
    }

    struct State {
        var instances: [Instance] = []
        var capacity: [String: Set<String>]
        /// Request tokens: the limit is a rate, so a burst of two is let through.
        var tokens = 2.0
        var lastRequest: ContinuousClock.Instant?
        var lastLaunch: ContinuousClock.Instant?
        var rateLimitViolations = 0
        var nextID = 1
    }

    public let apiKey: String
    public let requestInterval: Duration
    public let launchInterval: Duration
    private let state: Mutex<State>
    private let server = FakeServerSlot()

    /// - Parameter capacity: instance type -> regions with capacity.
    public init(apiKey: String, capacity: [String: Set<String>], requestInterval: Duration = .seconds(1), launchInterval: Duration = .seconds(12)) {
        self.apiKey = apiKey
        self.requestInterval = requestInterval
        self.launchInterval = launchInterval
        state = Mutex(State(capacity: capacity))
    }

    /// `http://127.0.0.1:<port>/api/v1`.
    public func start() async throws -> String {
        try await server.start { [self] request in self.answer(request) } + "/api/v1"
    }

    public func stop() async { await server.stop() }

    public var instances: [Instance] { state.withLock { $0.instances } }
    public var rateLimitViolations: Int { state.withLock { $0.rateLimitViolations } }
    public func setCapacity(_ type: String, regions: Set<String>) { state.withLock { $0.capacity[type] = regions } }

    static let types: [String: (gpus: Int, description: String, cents: Int)] = [
        "gpu_8x_h100_sxm5": (8, "8x H100 (80 GB SXM5)", 2392), "gpu_8x_a100_80gb_sxm4": (8, "8x A100 (80 GB SXM4)", 1432),
        "gpu_8x_b200_sxm6": (8, "8x B200 (180 GB SXM6)", 3992), "gpu_8x_a100": (8, "8x A100 (40 GB SXM4)", 1032),
        "gpu_1x_a10": (1, "1x A10 (24 GB PCIe)", 75),
    ]

    static func error(_ status: Int, _ code: String, _ message: String, suggestion: String? = nil) -> FakeHTTPResponse {
        var body: [String: Any] = ["code": code, "message": message]
        if let suggestion { body["suggestion"] = suggestion }
        return .json(status, ["error": body])
    }

    func answer(_ request: FakeHTTPRequest) -> FakeHTTPResponse {
        guard request.header("authorization") == "Bearer \(apiKey)" else {
            return Self.error(401, "global/invalid-api-key", "API key was invalid, expired, or deleted.", suggestion: "Check your API key or create a new one, then try again.")
        }
        let path = request.path.replacingOccurrences(of: "/api/v1", with: "")
        return state.withLock { state -> FakeHTTPResponse in
            let now = ContinuousClock.now
            // A token bucket: one request per interval on average, bursts of two.
            if let last = state.lastRequest {
                state.tokens = min(2, state.tokens + (now - last).timeInterval / requestInterval.timeInterval)
            }
            state.lastRequest = now
            guard state.tokens >= 1 else {
                state.rateLimitViolations += 1
                return Self.error(429, "global/too-many-requests", "Too many requests.")
            }
            state.tokens -= 1
            switch (request.method, path) {
            case ("GET", "/instance-types"):
                var data: [String: Any] = [:]
                for (name, type) in Self.types {
                    data[name] = [
                        "instance_type": ["name": name, "description": type.description, "gpu_description": type.description, "price_cents_per_hour": type.cents, "specs": ["gpus": type.gpus, "vcpus": 26 * type.gpus, "memory_gib": 225 * type.gpus, "storage_gib": 2750 * type.gpus]],
                        "regions_with_capacity_available": (state.capacity[name] ?? []).sorted().map { ["name": $0, "description": $0] },
                    ]
                }
                return .json(200, ["data": data])
            case ("GET", "/instances"):
                return .json(200, ["data": state.instances.filter { $0.status != "terminated" }.map(Self.json)])
            case ("POST", "/instance-operations/launch"):
                // Arrival times jitter on a busy machine; a quarter of the interval is forgiven.
                if let last = state.lastLaunch, now - last < launchInterval * 0.75 {
                    state.rateLimitViolations += 1
                    return Self.error(429, "global/too-many-requests", "Too many launch requests.")
                }
                guard let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any],
                      let region = body["region_name"] as? String, let type = body["instance_type_name"] as? String,
                      let keys = body["ssh_key_names"] as? [String]
                else { return Self.error(400, "global/invalid-parameters", "region_name, instance_type_name and ssh_key_names are required.") }
                guard keys.count == 1 else { return Self.error(400, "global/invalid-parameters", "Exactly one SSH key must be specified.") }
                guard Self.types[type] != nil else { return Self.error(400, "global/invalid-parameters", "Invalid instance type name: \(type)") }
                guard state.capacity[type]?.contains(region) == true else {
                    return Self.error(400, "instance-operations/launch/insufficient-capacity", "Not enough capacity to fulfill launch request.", suggestion: "Choose an instance type with available capacity.")
                }
                state.lastLaunch = now
                let id = String(format: "0920582c7ff041399e34823a0be%05d", state.nextID)
                state.nextID += 1
                var tags: [String: String] = [:]
                for tag in body["tags"] as? [[String: Any]] ?? [] { if let key = tag["key"] as? String { tags[key] = tag["value"] as? String ?? "" } }
                state.instances.append(Instance(
                    id: id, name: body["name"] as? String ?? "", type: type, region: region, status: "booting",
                    userData: body["user_data"] as? String ?? "", tags: tags, sshKeys: keys))
                return .json(200, ["data": ["instance_ids": [id]]])
            case ("POST", "/instance-operations/terminate"):
                guard let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any],
                      let ids = body["instance_ids"] as? [String]
                else { return Self.error(400, "global/invalid-parameters", "instance_ids is required.") }
                var terminated: [[String: Any]] = []
                for id in ids {
                    guard let index = state.instances.firstIndex(where: { $0.id == id && $0.status != "terminated" }) else {
                        return Self.error(404, "global/object-does-not-exist", "Specified instance does not exist.")
                    }
                    state.instances[index].status = "terminated"
                    terminated.append(Self.json(state.instances[index]))
                }
                return .json(200, ["data": ["terminated_instances": terminated]])
            default:
                return Self.error(404, "global/object-does-not-exist", "No route for \(request.method) \(path).")
            }
        }
    }

    static func json(_ instance: Instance) -> [String: Any] {
        [
            "id": instance.id, "name": instance.name, "ip": "198.51.100.\(Int(instance.id.suffix(3)) ?? 1)", "status": instance.status,
            "ssh_key_names": instance.sshKeys, "file_system_names": [String](), "region": ["name": instance.region, "description": instance.region],
            "instance_type": ["name": instance.type, "description": types[instance.type]?.description ?? ""],
            "hostname": instance.id, "tags": instance.tags.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] },
        ]
    }
}
