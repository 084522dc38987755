import NavarchCore
import Testing

@Suite struct IdentifierGeneratorTests {
    @Test func seededIdsRepeatAndHaveTheirLayout() {
        var a = IdentifierGenerator.seeded(1), b = IdentifierGenerator.seeded(1), c = IdentifierGenerator.seeded(2)
        let first = (0..<100).map { _ in a.instanceID() }
        #expect(first == (0..<100).map { _ in b.instanceID() })
        #expect(first != (0..<100).map { _ in c.instanceID() })
        #expect(Set(first).count == 100)
        #expect(first.allSatisfy { $0.hasPrefix("i-") && $0.count == 18 && $0.dropFirst(2).allSatisfy(\.isHexDigit) })
        let command = a.commandID()
        #expect(command.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12], "\(command)")
    }

    @Test func randomIdsDiffer() {
        var random = IdentifierGenerator.random
        #expect(Set((0..<1000).map { _ in random.instanceID() }).count == 1000)
    }
}
