import Crypto
import Foundation
import NavarchCore

/// The signature Navarch puts on the webhooks it sends: `X-Navarch-Signature:
/// sha256=<hex HMAC-SHA256 of the timestamp, a dot and the body>`, with the timestamp (Unix
/// seconds) in `X-Navarch-Timestamp`, so a receiver can refuse replays.
public enum WebhookSignature {
    public static let header = "X-Navarch-Signature"
    public static let timestampHeader = "X-Navarch-Timestamp"

    public static func sign(body: [UInt8], timestamp: Int, secret: String) -> String {
        let key = SymmetricKey(data: Data(secret.utf8))
        let message = Array("\(timestamp).".utf8) + body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        return "sha256=" + Hex.lowercase(mac)
    }

    /// Whether `signature` is right for the body and timestamp (compared in constant time).
    public static func verify(body: [UInt8], timestamp: Int, secret: String, signature: String) -> Bool {
        let expected = Array(sign(body: body, timestamp: timestamp, secret: secret).utf8)
        let given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
