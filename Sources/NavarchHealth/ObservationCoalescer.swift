import Foundation
import NavarchCore

/// Coalesces bursts of identical observations (same kind, code and PCI address) so that a
/// flood of identical kernel-log lines cannot flood the control plane. Pure: the caller
/// passes the time.
///
/// The first observation of a burst is let through at once (detection latency matters);
/// repeats within `window` are counted and released by ``flush(at:)`` as one observation
/// whose `count` says how many it stands for.
public struct ObservationCoalescer: Sendable {
    struct Key: Hashable, Sendable {
        let kind: String
        let code: Int
        let pciAddress: String
    }

    struct Burst: Sendable {
        var started: Date
        var repeats: [HealthObservation]
    }

    public let window: TimeInterval
    private var bursts: [Key: Burst] = [:]

    public init(window: TimeInterval = 5) {
        self.window = window
    }

    /// The observation to report now, or `nil` when it joins a burst already reported.
    public mutating func offer(_ observation: HealthObservation, at now: Date) -> HealthObservation? {
        let key = Key(kind: observation.kind, code: observation.code, pciAddress: observation.pciAddress)
        if var burst = bursts[key], now.timeIntervalSince(burst.started) < window {
            burst.repeats.append(observation)
            if burst.repeats.count > 1 { burst.repeats = [Self.merge(burst.repeats)] }
            bursts[key] = burst
            return nil
        }
        bursts[key] = Burst(started: now, repeats: [])
        return observation
    }

    /// Repeats whose window has closed, one observation per burst.
    public mutating func flush(at now: Date) -> [HealthObservation] {
        var released: [HealthObservation] = []
        for (key, burst) in bursts where now.timeIntervalSince(burst.started) >= window {
            if !burst.repeats.isEmpty { released.append(Self.merge(burst.repeats)) }
            bursts[key] = nil
        }
        return released.sorted { $0.time < $1.time }
    }

    /// Whether repeats are waiting for their window to close.
    public var hasPending: Bool { bursts.values.contains { !$0.repeats.isEmpty } }

    private static func merge(_ observations: [HealthObservation]) -> HealthObservation {
        var merged = observations[observations.count - 1]
        merged.count = observations.reduce(0) { $0 + $1.count }
        merged.verdict = observations.map(\.verdict).max() ?? merged.verdict
        return merged
    }
}
