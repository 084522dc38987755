/// PCI addresses in the one form Navarch compares: `dddd:bb:dd`, lower case, 4-digit domain,
/// no function. NVML writes `00000000:18:00.0`, the kernel log `0000:18:00`; both become `0000:18:00`.
public enum PCIAddress {
    /// The normalised form of `address`, or `nil` when it is not a PCI address.
    public static func normalize(_ address: String) -> String? {
        var text = Substring(address.lowercased())
        if let dot = text.lastIndex(of: ".") { text = text[..<dot] }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3 || parts.count == 2 else { return nil }
        let domainPart: Substring = parts.count == 3 ? parts[0] : "0"
        let bus = parts[parts.count - 2], device = parts[parts.count - 1]
        guard isHex(domainPart), domainPart.count <= 8, isHex(bus), bus.count <= 2, isHex(device), device.count <= 2,
              let domain = UInt32(domainPart, radix: 16), domain <= 0xFFFF
        else { return nil }
        return pad(String(domain, radix: 16), 4) + ":" + pad(String(bus), 2) + ":" + pad(String(device), 2)
    }

    private static func isHex(_ text: Substring) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isHexDigit && $0.isASCII }
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
