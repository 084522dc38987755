/// NVIDIA's XID catalog, compiled in: every code with its mnemonic, description, the GPU
/// generations it applies to and the resolution NVIDIA recommends, plus the decode table of the
/// NVLink5 XIDs 144-150. Generated from NVIDIA's spreadsheet by `scripts/generate-xid-catalog.py`.
public struct XIDCatalog: Sendable {
    /// One XID code as the catalog describes it.
    public struct Entry: Sendable, Equatable, Codable {
        public var code: Int
        public var mnemonic: String
        public var description: String
        /// Generations among A100, H100, B100 and GB200 the code applies to.
        public var appliesTo: [String]
        /// The immediate resolution bucket, as written in the catalog.
        public var immediate: String
        /// The investigatory resolution, as written in the catalog (may be empty or prose).
        public var investigatory: String
        public var xid154Linkage: String
        public var triggerConditions: String

        /// The immediate bucket, or `.unspecified` where the catalog gives none.
        public var immediateBucket: ResolutionBucket { ResolutionBucket(rawValue: immediate) ?? .unspecified }

        /// Codes NVIDIA marks unused (deprecated, or V100 and earlier only).
        public var isUnused: Bool { description == "Unused" }
    }

    /// A row of NVIDIA's decode table for XIDs 144-150.
    public struct NVLink5Decode: Sendable, Equatable {
        public var code: Int
        /// The NVLink unit and error, for example `SAW_MVB`.
        public var unit: String
        /// Bit pattern (most significant bit first, `-` for any) of the interrupt info before R575.
        public var intrInfoBeforeR575: String
        /// Bit pattern of the interrupt info from R575 on.
        public var intrInfoFromR575: String
        /// The error-status values this row is about: a bit that must be set, or 0 for a status of
        /// zero. Empty where any status matches.
        public var errorStatuses: [UInt32]
        public var immediate: String
        public var investigatory: String
        public var severity: String

        public var immediateBucket: ResolutionBucket { ResolutionBucket(rawValue: immediate) ?? .unspecified }
    }

    public let entries: [Int: Entry]
    /// What each bucket asks the operator to do, from the catalog's "Resolution Buckets" sheet.
    public let bucketGuidance: [String: String]
    public let nvlink5Decode: [NVLink5Decode]

    /// The catalog as compiled into Navarch.
    public static let nvidia = XIDCatalog(
        entries: builtinEntries, bucketGuidance: builtinBuckets, nvlink5Decode: builtinNVLink5Decode)

    public init(entries: [Entry], bucketGuidance: [String: String], nvlink5Decode: [NVLink5Decode]) {
        self.entries = Dictionary(entries.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        self.bucketGuidance = bucketGuidance
        self.nvlink5Decode = nvlink5Decode
    }

    public subscript(code: Int) -> Entry? { entries[code] }

    /// Every code in the catalog, ascending.
    public var codes: [Int] { entries.keys.sorted() }

    /// Decodes an NVLink5 XID (144-150) from its interrupt info and error status, as printed in
    /// the driver's message. Returns the matching rows, most severe resolution first.
    public func decodeNVLink5(code: Int, intrInfo: UInt32, errorStatus: UInt32) -> [NVLink5Decode] {
        let matches = nvlink5Decode.filter { row in
            guard row.code == code else { return false }
            guard Self.matches(pattern: row.intrInfoFromR575, intrInfo) || Self.matches(pattern: row.intrInfoBeforeR575, intrInfo)
            else { return false }
            guard !row.errorStatuses.isEmpty else { return true }
            return row.errorStatuses.contains { $0 == 0 ? errorStatus == 0 : errorStatus & $0 != 0 }
        }
        return matches.sorted { Self.rank($0.immediateBucket) > Self.rank($1.immediateBucket) }
    }

    private static func rank(_ bucket: ResolutionBucket) -> Int {
        switch bucket {
        case .resetGPU: 2
        case .xid154Evaluate: 1
        default: 0
        }
    }

    /// Whether a 32-bit value matches a pattern of `0`, `1` and `-`, most significant bit first.
    static func matches(pattern: String, _ value: UInt32) -> Bool {
        let bits = Array(pattern.utf8)
        guard bits.count == 32 else { return false }
        for (position, bit) in bits.enumerated() {
            let set = value & (UInt32(1) << UInt32(31 - position)) != 0
            switch bit {
            case UInt8(ascii: "1") where !set: return false
            case UInt8(ascii: "0") where set: return false
            default: continue
            }
        }
        return true
    }
}
