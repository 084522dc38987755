/// Strings in insertion order with constant-time insert, remove and random access, for picking
/// a random running node among many.
struct IndexedSet: Sendable {
    private(set) var members: [String] = []
    private var positions: [String: Int] = [:]

    var count: Int { members.count }
    var isEmpty: Bool { members.isEmpty }

    func contains(_ member: String) -> Bool { positions[member] != nil }

    subscript(index: Int) -> String { members[index] }

    mutating func insert(_ member: String) {
        guard positions[member] == nil else { return }
        positions[member] = members.count
        members.append(member)
    }

    /// Removes `member`, moving the last one into its place.
    mutating func remove(_ member: String) {
        guard let position = positions.removeValue(forKey: member) else { return }
        let last = members.removeLast()
        if position < members.count {
            members[position] = last
            positions[last] = position
        }
    }
}
