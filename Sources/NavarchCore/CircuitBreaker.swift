import Foundation

/// Stops automatic terminations when too much of a fleet goes bad at once, a pure state
/// machine. When more than a share of a pool's nodes (default 20%) turn unhealthy within a
/// window, or every node of a zone or provider goes silent together, the fault is more likely
/// the network, a cloud outage or Navarch itself than the machines: replacing them would make
/// the outage worse. An open breaker forbids automatic terminations (cordoning goes on) until
/// an operator resets it.
public struct CircuitBreaker: Sendable, Equatable {
    public struct Settings: Sendable, Equatable {
        /// Share of the nodes that may turn unhealthy within `window` before the breaker opens.
        public var unhealthyShare: Double
        public var window: Duration
        /// Pools smaller than this never trip on share alone (one bad node of three is 33%).
        public var minimumNodes: Int

        public init(unhealthyShare: Double = 0.2, window: Duration = .seconds(600), minimumNodes: Int = 5) {
            self.unhealthyShare = unhealthyShare
            self.window = window
            self.minimumNodes = minimumNodes
        }
    }

    public enum State: Sendable, Equatable, Codable {
        case closed
        case open(since: Date, reason: String)
    }

    public let scope: String
    public var settings: Settings
    public private(set) var state: State = .closed
    /// When each node last turned unhealthy, within the window.
    private var unhealthySince: [String: Date] = [:]

    /// - Parameter scope: what the breaker guards, for its messages: `pool train`, `fleet`.
    public init(scope: String, settings: Settings = Settings(), state: State = .closed) {
        self.scope = scope
        self.settings = settings
        self.state = state
    }

    /// Whether the breaker is open.
    public var isOpen: Bool { state != .closed }

    /// Whether automatic terminations may go ahead.
    public var allowsTermination: Bool { state == .closed }

    /// A node turned unhealthy. Returns the new state when this opened the breaker.
    public mutating func nodeTurnedUnhealthy(_ node: String, at now: Date, nodes total: Int) -> State? {
        unhealthySince[node] = now
        unhealthySince = unhealthySince.filter { now.timeIntervalSince($0.value) < settings.window.timeInterval }
        guard state == .closed, total >= settings.minimumNodes else { return nil }
        let share = Double(unhealthySince.count) / Double(max(total, 1))
        guard share > settings.unhealthyShare else { return nil }
        let percent = Int((share * 100).rounded())
        return open(at: now, reason: "\(unhealthySince.count) of \(total) nodes of \(scope) (\(percent)%) turned unhealthy within \(Int(settings.window.timeInterval / 60))m, more than \(Int(settings.unhealthyShare * 100))%")
    }

    /// Every node of `group` (a zone or a provider, with `count` nodes) stopped sending
    /// heartbeats at once. Returns the new state when this opened the breaker.
    public mutating func groupWentSilent(_ group: String, nodes count: Int, at now: Date) -> State? {
        guard state == .closed, count >= 2 else { return nil }
        return open(at: now, reason: "all \(count) nodes of \(group) went silent at once")
    }

    /// An operator closed the breaker (`navarch breaker reset`). Returns whether it was open.
    @discardableResult
    public mutating func reset() -> Bool {
        unhealthySince = [:]
        guard state != .closed else { return false }
        state = .closed
        return true
    }

    private mutating func open(at now: Date, reason: String) -> State {
        state = .open(since: now, reason: reason)
        return state
    }
}
