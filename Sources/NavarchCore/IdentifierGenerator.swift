/// Where the fleet's ids come from: random in production, seeded in tests and the simulator,
/// so that the same inputs give the same ids.
public struct IdentifierGenerator: Sendable {
    private var seeded: SeededRandom?

    private init(seeded: SeededRandom?) { self.seeded = seeded }

    /// Ids from the system's random source.
    public static let random = IdentifierGenerator(seeded: nil)

    /// Ids that repeat for the same seed.
    public static func seeded(_ seed: UInt64) -> IdentifierGenerator { IdentifierGenerator(seeded: SeededRandom(seed: seed)) }

    /// An instance id: `i-` and 16 hex digits.
    public mutating func instanceID() -> String {
        "i-" + hex(next(), digits: 16)
    }

    /// A command id in the UUID layout (8-4-4-4-12 hex digits).
    public mutating func commandID() -> String {
        let high = hex(next(), digits: 16), low = hex(next(), digits: 16)
        return "\(high.prefix(8))-\(high.dropFirst(8).prefix(4))-\(high.suffix(4))-\(low.prefix(4))-\(low.suffix(12))"
    }

    private mutating func next() -> UInt64 {
        if seeded != nil { return seeded!.next() }
        var system = SystemRandomNumberGenerator()
        return system.next()
    }

    private func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(digits - text.count, 0)) + text
    }
}
