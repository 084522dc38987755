import Synchronization

/// A thread-safe list that tests append to from concurrent tasks.
public final class Recorder<Element: Sendable>: Sendable {
    private let storage = Mutex<[Element]>([])

    public init() {}

    public func append(_ element: Element) {
        storage.withLock { $0.append(element) }
    }

    public var values: [Element] { storage.withLock { $0 } }
}
