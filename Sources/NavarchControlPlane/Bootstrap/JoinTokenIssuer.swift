import Crypto
import Foundation
import NavarchCore

/// Issues and checks the single-use tokens a cloud machine joins with. A token names one
/// instance and an expiry, signed with HMAC-SHA256 under a key kept in the data directory
/// (mode 0600), so tokens outlive a control-plane restart. Single use: only an instance that
/// has not registered yet needs, and can use, its token.
public struct JoinTokenIssuer: Sendable {
    private let key: SymmetricKey
    /// How long a token is good for.
    public let lifetime: Duration

    public init(key: SymmetricKey, lifetime: Duration) {
        self.key = key
        self.lifetime = lifetime
    }

    /// Loads the key from `path`, creating it (32 random bytes, mode 0600) when missing.
    public init(keyFile path: String, lifetime: Duration) throws {
        let manager = FileManager.default
        if let data = manager.contents(atPath: path) {
            guard data.count == 32 else {
                throw NavarchError.failedPrecondition("join-token key \(path) is \(data.count) bytes, expected 32; delete it to make a new one")
            }
            self.init(key: SymmetricKey(data: data), lifetime: lifetime)
            return
        }
        let key = SymmetricKey(size: .bits256)
        try PrivateFile.write(key.withUnsafeBytes { Data($0) }, to: path)
        self.init(key: key, lifetime: lifetime)
    }

    /// A token for `instanceID`, good until `now + lifetime`.
    public func issue(instanceID: String, now: Date) -> String {
        let expiry = Int64(now.addingTimeInterval(lifetime.timeInterval).timeIntervalSince1970)
        return "nvj1.\(instanceID).\(expiry).\(signature(instanceID: instanceID, expiry: expiry))"
    }

    /// Checks `token` for `instanceID` at `now`; throws an `unauthenticated` error saying why not.
    public func verify(_ token: String, instanceID: String, now: Date) throws(NavarchError) {
        guard !token.isEmpty else {
            throw NavarchError(.unauthenticated, "instance \(instanceID) must join with its join token (--join-token-file), and none was given")
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, parts[0] == "nvj1", let expiry = Int64(parts[2]) else {
            throw NavarchError(.unauthenticated, "the join token of instance \(instanceID) is malformed")
        }
        guard parts[1] == instanceID else {
            throw NavarchError(.unauthenticated, "the join token was issued to instance \(parts[1]), not \(instanceID)")
        }
        guard ConstantTime.equal(parts[3], signature(instanceID: instanceID, expiry: expiry)) else {
            throw NavarchError(.unauthenticated, "the join token of instance \(instanceID) was not issued by this control plane")
        }
        guard Double(expiry) > now.timeIntervalSince1970 else {
            throw NavarchError(.unauthenticated, "the join token of instance \(instanceID) expired at \(Timestamp.iso8601(Date(timeIntervalSince1970: Double(expiry))))")
        }
    }

    private func signature(instanceID: String, expiry: Int64) -> String {
        Hex.lowercase(HMAC<SHA256>.authenticationCode(for: Data("\(instanceID)|\(expiry)".utf8), using: key))
    }
}
