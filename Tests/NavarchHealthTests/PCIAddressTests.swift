import NavarchHealth
import Testing

@Suite struct PCIAddressTests {
    @Test(arguments: [
        ("00000000:18:00.0", "0000:18:00"), ("0000:18:00", "0000:18:00"), ("0000:2A:00.0", "0000:2a:00"),
        ("18:00", "0000:18:00"), ("0001:9b:00.1", "0001:9b:00"), ("0:1:0", "0000:01:00"),
    ])
    func normalises(_ input: String, _ expected: String) {
        #expect(PCIAddress.normalize(input) == expected)
    }

    @Test(arguments: ["", "zz:00", "0000:18", "0000:18:00:00", "100000000:18:00", "0000:123:00", "00010000:18:00"])
    func rejects(_ input: String) {
        #expect(PCIAddress.normalize(input) == nil)
    }
}
