/// Parses kernel-log lines in any of the forms they reach us in: `/dev/kmsg` records
/// (`6,1234,5678,-;NVRM: ...`), `dmesg` output with `[seconds]` or ISO prefixes, and syslog lines.
/// Anything it does not recognise, including malformed or truncated records, yields `nil`.
public enum KernelLogParser {
    /// Longest line considered; longer input is not a driver message.
    public static let maximumLineLength = 8192

    public static func parse(_ line: String) -> KernelLogRecord? {
        guard line.utf8.count <= maximumLineLength else { return nil }
        if let range = line.range(of: "NVRM: Xid (PCI:") {
            return parseXID(line[range.upperBound...]).map(KernelLogRecord.xid)
        }
        if let range = line.range(of: "SXid (PCI:") {
            return parseXID(line[range.upperBound...]).map(KernelLogRecord.sxid)
        }
        if let range = line.range(of: "NVRM: GPU at PCI:") {
            return parseGPUAddress(line[range.upperBound...])
        }
        return nil
    }

    /// After `Xid (PCI:`: `0000:91:00): 79, pid='<unknown>', name=<unknown>, text`.
    private static func parseXID(_ rest: Substring) -> XIDRecord? {
        guard let close = rest.firstIndex(of: ")"),
              let address = PCIAddress.normalize(String(rest[..<close]))
        else { return nil }
        var tail = rest[rest.index(after: close)...]
        guard tail.hasPrefix(":") else { return nil }
        tail = tail.dropFirst().drop(while: { $0 == " " })
        let digits = tail.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, digits.count <= 6, let code = Int(digits) else { return nil }
        tail = tail[digits.endIndex...]
        var pid: Int?
        var name: String?
        var fields = tail.drop(while: { $0 == "," || $0 == " " })
        if fields.hasPrefix("pid=") {
            let value = fields.dropFirst(4).prefix(while: { $0 != "," })
            pid = Int(value.trimmingCharacters(in: "'"))
            fields = fields.dropFirst(4 + value.count).drop(while: { $0 == "," || $0 == " " })
        }
        if fields.hasPrefix("name=") {
            let value = fields.dropFirst(5).prefix(while: { $0 != "," })
            let trimmed = value.trimmingCharacters(in: "'")
            name = trimmed == "<unknown>" ? nil : trimmed
            fields = fields.dropFirst(5 + value.count).drop(while: { $0 == "," || $0 == " " })
        }
        let message = String(fields).trimmingTrailingWhitespace()
        return XIDRecord(pciAddress: address, code: code, pid: pid, processName: name, message: message)
    }

    /// After `GPU at PCI:`: `0000:91:00: GPU-b6c3b2be-c55b-d076-fa0e-d464e4c7e08b`.
    private static func parseGPUAddress(_ rest: Substring) -> KernelLogRecord? {
        guard let uuidRange = rest.range(of: ": GPU-") else { return nil }
        guard let address = PCIAddress.normalize(String(rest[..<uuidRange.lowerBound])) else { return nil }
        let uuid = rest[rest.index(uuidRange.lowerBound, offsetBy: 2)...]
            .prefix(while: { $0.isHexDigit || $0 == "-" || $0 == "G" || $0 == "P" || $0 == "U" })
        guard uuid.count > 4 else { return nil }
        return .gpuAddress(pciAddress: address, uuid: String(uuid))
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}

extension String {
    fileprivate func trimmingTrailingWhitespace() -> String {
        String(reversed().drop(while: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }).reversed())
    }
}
