import Foundation
import _CryptoExtras

/// A Google service-account key file (`type: service_account`), checked when it is stored.
public struct GCPServiceAccountKey: Sendable, Equatable {
    public var clientEmail: String
    public var privateKeyPEM: String
    public var privateKeyID: String
    public var projectID: String
    /// Where tokens are minted; `https://oauth2.googleapis.com/token` in Google's files.
    public var tokenURI: String

    /// Parses and checks a key file's JSON, naming the first thing wrong.
    public init(json: Data) throws(ProviderConfigurationError) {
        guard let object = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
            throw ProviderConfigurationError(provider: "gcp", "the service-account key is not a JSON object")
        }
        func field(_ name: String) throws(ProviderConfigurationError) -> String {
            guard let value = object[name] as? String, !value.isEmpty else {
                throw ProviderConfigurationError(provider: "gcp", "the service-account key has no \(name)")
            }
            return value
        }
        guard object["type"] as? String == "service_account" else {
            throw ProviderConfigurationError(
                provider: "gcp", "the key file's type is '\(object["type"] as? String ?? "")', expected 'service_account'")
        }
        clientEmail = try field("client_email")
        privateKeyPEM = try field("private_key")
        privateKeyID = (object["private_key_id"] as? String) ?? ""
        projectID = (object["project_id"] as? String) ?? ""
        tokenURI = (object["token_uri"] as? String) ?? "https://oauth2.googleapis.com/token"
        do { _ = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM) } catch {
            throw ProviderConfigurationError(provider: "gcp", "the service-account key's private_key is not an RSA key in PEM form")
        }
    }
}
