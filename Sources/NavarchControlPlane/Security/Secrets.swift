import Crypto
import Foundation
import NavarchCore

/// Random secrets and their hashes. Secrets come from the system's cryptographic generator;
/// only hashes are stored.
enum Secrets {
    /// `bytes` random bytes, base64url without padding.
    static func random(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// SHA-256 of `secret`, lowercase hex (on every authenticated call).
    static func hash(_ secret: String) -> String {
        Hex.lowercase(SHA256.hash(data: Array(secret.utf8)))
    }
}
