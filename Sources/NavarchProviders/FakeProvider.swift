import Foundation
import NavarchCore
import Synchronization

/// An in-process provider for tests: it records what it is asked, can be told to fail, and
/// keeps a list of "machines" that tests boot by registering agents themselves.
public final class FakeProvider: Provider {
    public let name: String
    public let bootstrapsAgent: Bool
    public let supportsSpot = true
    public let supportsClusterPlacement = true
    private struct State {
        var machines: [String: ProvisionedInstance] = [:]
        var provisionFailures: [any Error] = []
        var terminateFailures: [any Error] = []
        var provisionCalls = 0
        var listCalls = 0
        var requests: [ProvisionRequest] = []
        var terminateCalls: [String] = []
        var spotCapacity = true
    }

    private let state = Mutex(State())
    private let provisioned: AsyncStream<ProvisionRequest>.Continuation
    /// Every successful provision request, in order.
    public let requests: AsyncStream<ProvisionRequest>

    /// `bootstrapsAgent`: behave as a cloud, whose machines get user data and join with a token.
    public init(name: String = "fake", bootstrapsAgent: Bool = false) {
        self.name = name
        self.bootstrapsAgent = bootstrapsAgent
        (requests, provisioned) = AsyncStream<ProvisionRequest>.makeStream()
    }

    /// The next `count` provision calls throw `error`.
    public func failNextProvisions(_ count: Int, with error: any Error) {
        state.withLock { $0.provisionFailures += Array(repeating: error, count: count) }
    }

    /// Whether spot requests find capacity; without it they fail with a capacity error.
    public func setSpotCapacity(_ available: Bool) { state.withLock { $0.spotCapacity = available } }

    /// The next terminate call throws `error`.
    public func failNextTerminate(with error: any Error) {
        state.withLock { $0.terminateFailures.append(error) }
    }

    /// Puts a machine in the provider's list, as one started outside this control plane's view.
    public func inject(_ machine: ProvisionedInstance) {
        state.withLock { $0.machines[machine.instanceID] = machine }
    }

    public var provisionCalls: Int { state.withLock { $0.provisionCalls } }
    /// The request of every machine bought so far, in order (a repeated request for a machine
    /// that exists is not a purchase and is not listed again).
    public var requestsSoFar: [ProvisionRequest] { state.withLock { $0.requests } }
    /// How many times the provider's machines were listed (orphan sweeps, restarts).
    public var listCalls: Int { state.withLock { $0.listCalls } }
    public var terminated: [String] { state.withLock { $0.terminateCalls } }
    public var running: [ProvisionedInstance] { state.withLock { Array($0.machines.values) } }

    public func provision(_ request: ProvisionRequest) async throws -> ProvisionedInstance {
        let result: Result<ProvisionedInstance, any Error> = state.withLock { state in
            state.provisionCalls += 1
            if !state.provisionFailures.isEmpty { return .failure(state.provisionFailures.removeFirst()) }
            if request.spot && !state.spotCapacity {
                return .failure(NavarchError(.capacity, "\(name): no spot capacity for \(request.instanceType.name)"))
            }
            if let existing = state.machines[request.instanceID] { return .success(existing) }
            let machine = ProvisionedInstance(
                instanceID: request.instanceID, providerInstanceID: "fake-\(request.instanceID)", nodeID: request.nodeID,
                pool: request.pool)
            state.machines[request.instanceID] = machine
            state.requests.append(request)
            return .success(machine)
        }
        let machine = try result.get()
        provisioned.yield(request)
        return machine
    }

    public func terminate(_ instance: ProvisionedInstance) async throws {
        try state.withLock { state in
            state.terminateCalls.append(instance.instanceID)
            if !state.terminateFailures.isEmpty { throw state.terminateFailures.removeFirst() }
            state.machines[instance.instanceID] = nil
        }
    }

    public func list() async throws -> [ProvisionedInstance] {
        state.withLock { state in
            state.listCalls += 1
            return Array(state.machines.values).sorted { $0.instanceID < $1.instanceID }
        }
    }
}
