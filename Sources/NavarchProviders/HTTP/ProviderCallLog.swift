import Synchronization

/// Counts every cloud API call by provider and operation: attempts, retries and failures.
/// Shared by a control plane's providers; `navarch` reports it and benchmarks read it.
public final class ProviderCallLog: Sendable {
    /// Figures for one provider operation.
    public struct Entry: Sendable, Equatable {
        public var provider: String
        public var operation: String
        /// HTTP requests sent, retries included.
        public var attempts = 0
        /// Attempts that were retries of an earlier one.
        public var retries = 0
        /// Attempts that failed, by error kind.
        public var failures: [String: Int] = [:]
    }

    private let entries = Mutex([String: Entry]())

    public init() {}

    func attempt(provider: String, operation: String, retry: Bool) {
        entries.withLock { entries in
            let key = provider + " " + operation
            var entry = entries[key] ?? Entry(provider: provider, operation: operation)
            entry.attempts += 1
            if retry { entry.retries += 1 }
            entries[key] = entry
        }
    }

    func failure(provider: String, operation: String, kind: CloudAPIError.Kind) {
        entries.withLock { entries in
            entries[provider + " " + operation]?.failures[kind.rawValue, default: 0] += 1
        }
    }

    /// Every operation called so far, sorted by provider then operation.
    public var snapshot: [Entry] {
        entries.withLock { Array($0.values) }.sorted { ($0.provider, $0.operation) < ($1.provider, $1.operation) }
    }

    /// Attempts in all, for one provider or every one.
    public func attempts(provider: String? = nil) -> Int {
        snapshot.filter { provider == nil || $0.provider == provider }.reduce(0) { $0 + $1.attempts }
    }
}
