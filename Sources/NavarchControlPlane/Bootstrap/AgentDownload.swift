import Crypto
import Foundation
import NavarchCore

/// The agent binary cloud machines install: where they download it and its SHA-256.
public struct AgentDownload: Sendable, Equatable {
    public var url: String
    public var sha256: String
    /// The local file the control plane serves at `GET /v1/agent/navarch-node`; nil for a mirror.
    public var servedFile: String?

    public init(url: String, sha256: String, servedFile: String? = nil) {
        self.url = url
        self.sha256 = sha256
        self.servedFile = servedFile
    }

    /// The SHA-256 of a file, hex, read in 1 MiB pieces.
    public static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw NavarchError.failedPrecondition("cannot read the agent binary \(path)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return Hex.lowercase(hasher.finalize())
    }
}
