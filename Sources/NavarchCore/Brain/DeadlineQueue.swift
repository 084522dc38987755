import Foundation

/// Keys with one deadline each, in deadline order: scheduling, moving or cancelling a key's
/// deadline and finding the earliest one cost O(log n); taking the due keys costs O(log n) each.
///
/// A min-heap with lazy deletion: a moved or cancelled deadline stays in the heap and is
/// skipped when it reaches the top, so the heap holds at most one entry per schedule call
/// that has not come due yet. Ties break on the key, so the order is fully defined.
///
/// Inlinable, so that a queue used from another module (the simulator's event queue) is
/// specialized for its key type rather than run through generic metadata at every call.
public struct DeadlineQueue<Key: Hashable & Comparable & Sendable>: Sendable {
    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline var deadline: Date
        @usableFromInline var key: Key
        @usableFromInline var generation: UInt64

        @inlinable
        init(deadline: Date, key: Key, generation: UInt64) {
            self.deadline = deadline
            self.key = key
            self.generation = generation
        }

        @inlinable
        func precedes(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : key < other.key
        }
    }

    @usableFromInline var heap: [Entry] = []
    @usableFromInline var current: [Key: (deadline: Date, generation: UInt64)] = [:]
    @usableFromInline var generation: UInt64 = 0

    @inlinable
    public init() {}

    /// Number of keys with a deadline.
    @inlinable
    public var count: Int { current.count }

    @inlinable
    public var isEmpty: Bool { current.isEmpty }

    /// The key's deadline, if it has one.
    @inlinable
    public func deadline(of key: Key) -> Date? { current[key]?.deadline }

    /// Gives `key` the deadline `deadline`, replacing the one it had.
    @inlinable
    public mutating func schedule(_ key: Key, at deadline: Date) {
        if let existing = current[key], existing.deadline == deadline { return }
        generation &+= 1
        current[key] = (deadline, generation)
        push(Entry(deadline: deadline, key: key, generation: generation))
        compactIfSparse()
    }

    /// Removes the key's deadline.
    @inlinable
    public mutating func cancel(_ key: Key) {
        current[key] = nil
        compactIfSparse()
    }

    /// The earliest deadline, if any.
    @inlinable
    public mutating func nextDeadline() -> Date? {
        dropStale()
        return heap.first?.deadline
    }

    /// Removes and returns the keys whose deadline is at or before `now`, earliest first.
    @inlinable
    public mutating func popDue(at now: Date) -> [Key] {
        var due: [Key] = []
        while true {
            dropStale()
            guard let top = heap.first, top.deadline <= now else { break }
            popTop()
            current[top.key] = nil
            due.append(top.key)
        }
        return due
    }

    // MARK: - Heap

    @inlinable
    func isLive(_ entry: Entry) -> Bool {
        current[entry.key]?.generation == entry.generation
    }

    @inlinable
    mutating func dropStale() {
        while let top = heap.first, !isLive(top) { popTop() }
    }

    /// Rebuilds the heap from the live entries when stale ones outnumber them, so that memory
    /// stays proportional to the keys.
    @inlinable
    mutating func compactIfSparse() {
        guard heap.count > 64, heap.count > 4 * current.count else { return }
        heap = current.map { Entry(deadline: $0.value.deadline, key: $0.key, generation: $0.value.generation) }
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    @inlinable
    mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    @inlinable
    mutating func popTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    @inlinable
    mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var first = parent
            if left < heap.count && heap[left].precedes(heap[first]) { first = left }
            if right < heap.count && heap[right].precedes(heap[first]) { first = right }
            guard first != parent else { return }
            heap.swapAt(parent, first)
            parent = first
        }
    }
}
