import Foundation

/// Which provider a pool's next instance goes to, pure: the pool's only one; for a replacement,
/// the replaced machine's provider (same region and type) unless it just reported no capacity;
/// else the scheduler's pick among the providers that have not reported no capacity within
/// `retryAfter` (all of them, oldest report first, when every one has).
public struct ProviderChoice: Sendable, Equatable {
    /// The chosen provider.
    public var provider: String
    /// Providers passed over for a recent capacity error, with the error, in pool order.
    public var passedOver: [(provider: String, reason: String)]
    /// The scheduler's error, when it failed and the first eligible provider was taken.
    public var schedulerError: String?

    public init(provider: String, passedOver: [(provider: String, reason: String)] = [], schedulerError: String? = nil) {
        self.provider = provider
        self.passedOver = passedOver
        self.schedulerError = schedulerError
    }

    public static func == (lhs: ProviderChoice, rhs: ProviderChoice) -> Bool {
        lhs.provider == rhs.provider && lhs.schedulerError == rhs.schedulerError
            && lhs.passedOver.map(\.provider) == rhs.passedOver.map(\.provider) && lhs.passedOver.map(\.reason) == rhs.passedOver.map(\.reason)
    }

    /// - Parameters:
    ///   - candidates: the pool's providers in its order.
    ///   - capacityFailures: the last capacity error per provider for this pool.
    ///   - replacing: the provider of the machine this one replaces, if it is a replacement.
    public static func choose(
        candidates: [String], type: InstanceType?, capacityFailures: [String: (at: Date, reason: String)], retryAfter: TimeInterval,
        replacing: String?, scheduler: any Scheduler, context: SchedulingContext, now: Date
    ) -> ProviderChoice {
        guard candidates.count > 1, let type else {
            return ProviderChoice(provider: candidates.first ?? "", passedOver: [], schedulerError: nil)
        }
        let recent = Set(candidates.filter { name in
            capacityFailures[name].map { now.timeIntervalSince($0.at) < retryAfter } ?? false
        })
        if let replacing, candidates.contains(replacing), !recent.contains(replacing) {
            return ProviderChoice(provider: replacing, passedOver: [], schedulerError: nil)
        }
        var eligible = candidates.filter { !recent.contains($0) }
        if eligible.isEmpty {
            eligible = candidates.sorted { (capacityFailures[$0]!.at, $0) < (capacityFailures[$1]!.at, $1) }
        }
        let options = eligible.map { ProvisionOption(provider: $0, instanceType: type) }
        var choice = options[0].provider
        var schedulerError: String?
        do {
            choice = try scheduler.choose(from: options, context: context)?.provider ?? choice
        } catch {
            schedulerError = "\(error)"
        }
        let passedOver = candidates.filter { recent.contains($0) && $0 != choice }.map { ($0, capacityFailures[$0]!.reason) }
        return ProviderChoice(provider: choice, passedOver: passedOver, schedulerError: schedulerError)
    }
}
