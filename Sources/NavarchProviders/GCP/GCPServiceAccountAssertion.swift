import Foundation
import _CryptoExtras

/// The signed JWT a service account trades for an access token (RFC 7523): RS256 over
/// `{"alg":"RS256","typ":"JWT","kid":...}.{"iss","scope","aud","iat","exp"}`.
public struct GCPServiceAccountAssertion: Sendable {
    /// Compute Engine's read-write scope.
    public static let computeScope = "https://www.googleapis.com/auth/compute"
    /// The audience Google's token endpoint checks for.
    public static let googleTokenEndpoint = "https://oauth2.googleapis.com/token"

    public var key: GCPServiceAccountKey
    public var audience: String
    public var scope: String

    public init(key: GCPServiceAccountKey, audience: String, scope: String = computeScope) {
        self.key = key
        self.audience = audience
        self.scope = scope
    }

    /// The compact JWT, valid for an hour from `issuedAt`.
    public func signed(issuedAt: Date) throws -> String {
        var header: [String: Any] = ["alg": "RS256", "typ": "JWT"]
        if !key.privateKeyID.isEmpty { header["kid"] = key.privateKeyID }
        let issued = Int(issuedAt.timeIntervalSince1970)
        let claims: [String: Any] = ["iss": key.clientEmail, "scope": scope, "aud": audience, "iat": issued, "exp": issued + 3600]
        let signingInput = try Self.encode(header) + "." + Self.encode(claims)
        let privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: key.privateKeyPEM)
        let signature = try privateKey.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Self.base64URL(signature.rawRepresentation)
    }

    static func encode(_ object: [String: Any]) throws -> String {
        base64URL(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// Base64 with the URL alphabet and no padding.
    public static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
