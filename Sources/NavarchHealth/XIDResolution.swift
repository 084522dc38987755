import Foundation

/// Resolves the bucket that applies to one XID occurrence. For most codes it is the catalog's
/// immediate bucket; the NVLink5 XIDs 144-150 are decoded from their interrupt info and error
/// status, and XID 154 names the recovery action in its text.
public enum XIDResolution {
    public static func bucket(code: Int, message: String, catalog: XIDCatalog = .nvidia) -> ResolutionBucket {
        if (144...150).contains(code), let (intrInfo, status) = nvlink5Registers(in: message),
           let decoded = catalog.decodeNVLink5(code: code, intrInfo: intrInfo, errorStatus: status).first
        {
            return decoded.immediateBucket
        }
        if code == 154, let action = recoveryAction(in: message) { return action }
        return catalog[code]?.immediateBucket ?? .unspecified
    }

    /// The first two hex words inside the parentheses of an NVLink5 XID message:
    /// `... Link 07 (0x00000a82 0x00000002 0x0 ...)`.
    static func nvlink5Registers(in message: String) -> (UInt32, UInt32)? {
        guard let open = message.lastIndex(of: "(") else { return nil }
        let words = message[message.index(after: open)...].split(whereSeparator: { $0 == " " || $0 == ")" || $0 == "," })
        guard words.count >= 2, let intrInfo = hex(words[0]), let status = hex(words[1]) else { return nil }
        return (intrInfo, status)
    }

    private static func hex(_ word: Substring) -> UInt32? {
        let digits = word.hasPrefix("0x") || word.hasPrefix("0X") ? word.dropFirst(2) : word
        return UInt32(digits, radix: 16)
    }

    /// XID 154 reads "GPU recovery action changed from 0x0 (None) to 0x2 (Node Reboot Required)".
    static func recoveryAction(in message: String) -> ResolutionBucket? {
        guard let range = message.range(of: " to ", options: .backwards) else { return nil }
        let target = message[range.upperBound...].lowercased()
        if target.contains("node reboot") { return .restartBareMetal }
        if target.contains("reset") { return .resetGPU }
        if target.contains("drain p2p") { return .restartApp }
        if target.contains("none") { return .ignore }
        return nil
    }
}
