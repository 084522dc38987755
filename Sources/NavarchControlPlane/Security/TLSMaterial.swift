import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NavarchCore
import SwiftASN1
import X509

/// The certificates the control plane serves TLS with. Either the user's own
/// (`tls.cert_file`, `tls.key_file`) or, with none configured, a CA and server certificate
/// it makes in `DATA/tls/` on first start (keys mode 0600) and renews the server certificate
/// from when the names it must carry change or it nears expiry.
public struct TLSMaterial: Sendable {
    public var certificatePath: String
    public var privateKeyPath: String
    /// The CA that agents and the CLI trust the server by (PEM), when known.
    public var caCertificatePEM: String
    public var caPath: String?
    /// SHA-256 of the CA certificate's DER, colon-separated hex, as `openssl x509 -fingerprint -sha256` prints it.
    public var caFingerprint: String
    /// Whether this start made the CA.
    public var createdCA: Bool

    static let caLifetime: TimeInterval = 10 * 365 * 86_400
    static let serverLifetime: TimeInterval = 365 * 86_400
    static let renewBefore: TimeInterval = 30 * 86_400

    /// The user's certificate and key, and the CA file their clients trust (optional).
    public static func userProvided(certificate: String, key: String, ca: String?) throws -> TLSMaterial {
        for (name, path) in [("tls.cert_file", certificate), ("tls.key_file", key)] + (ca.map { [("tls.ca_file", $0)] } ?? [])
        where !FileManager.default.isReadableFile(atPath: path) {
            throw NavarchError.invalidArgument("\(name) \(path) cannot be read")
        }
        let pem = try ca.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? ""
        return TLSMaterial(
            certificatePath: certificate, privateKeyPath: key, caCertificatePEM: pem, caPath: ca,
            caFingerprint: pem.isEmpty ? "" : try fingerprint(ofPEM: pem), createdCA: false)
    }

    /// The control plane's own CA and a server certificate for `hosts` (names and addresses),
    /// made or renewed in `directory` as needed.
    public static func automatic(in directory: String, hosts: [String], now: Date) throws -> TLSMaterial {
        let manager = FileManager.default
        if !manager.fileExists(atPath: directory) {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let caPath = directory + "/ca.pem", caKeyPath = directory + "/ca-key.pem"
        let serverPath = directory + "/server.pem", serverKeyPath = directory + "/server-key.pem"
        var createdCA = false
        let caKey: P256.Signing.PrivateKey
        let ca: Certificate
        if manager.fileExists(atPath: caPath) && manager.fileExists(atPath: caKeyPath) {
            do {
                caKey = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: caKeyPath, encoding: .utf8))
                ca = try Certificate(pemEncoded: String(contentsOfFile: caPath, encoding: .utf8))
            } catch {
                throw NavarchError.failedPrecondition("the control plane's CA in \(directory) cannot be read (\(error)); restore it, or move the folder away to make a new CA (every agent then needs the new ca.pem)")
            }
        } else {
            caKey = P256.Signing.PrivateKey()
            let name = try DistinguishedName {
                OrganizationName("Navarch")
                CommonName("Navarch control plane CA")
            }
            ca = try Certificate(
                version: .v3, serialNumber: serial(), publicKey: .init(caKey.publicKey), notValidBefore: now.addingTimeInterval(-3600),
                notValidAfter: now.addingTimeInterval(caLifetime), issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: Certificate.PublicKey(caKey.publicKey))
                },
                issuerPrivateKey: .init(caKey))
            try PrivateFile.write(caKey.pemRepresentation, to: caKeyPath)
            try write(ca.serializeAsPEM().pemString, to: caPath)
            createdCA = true
        }
        let names = Set(hosts + ["localhost", "127.0.0.1", "::1"]).sorted()
        if createdCA || needsRenewal(serverPath, names: names, now: now) {
            try writeLeaf(
                name: "navarch control plane", usage: .serverAuth, alternativeNames: names.map(generalName), ca: ca, caKey: caKey, now: now,
                certificate: serverPath, key: serverKeyPath)
        }
        let pem = try ca.serializeAsPEM().pemString
        return TLSMaterial(
            certificatePath: serverPath, privateKeyPath: serverKeyPath, caCertificatePEM: pem, caPath: caPath,
            caFingerprint: try fingerprint(ofPEM: pem), createdCA: createdCA)
    }

    /// A client certificate for `name`, signed by the CA in `directory` (the control plane's
    /// own), written to `folder` as `NAME.pem` and `NAME-key.pem` (0600): for clients of a
    /// control plane that asks for them with `tls.client_ca_file: DATA/tls/ca.pem`.
    public static func issueClientCertificate(name: String, caDirectory directory: String, into folder: String, now: Date) throws -> (certificate: String, key: String) {
        let caKey = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: directory + "/ca-key.pem", encoding: .utf8))
        let ca = try Certificate(pemEncoded: String(contentsOfFile: directory + "/ca.pem", encoding: .utf8))
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let paths = (certificate: folder + "/\(name).pem", key: folder + "/\(name)-key.pem")
        try writeLeaf(name: name, usage: .clientAuth, alternativeNames: [], ca: ca, caKey: caKey, now: now, certificate: paths.certificate, key: paths.key)
        return paths
    }

    /// A certificate for `name` with a fresh key, signed by `ca`, good for a year, written
    /// to `certificate` and `key` (0600).
    static func writeLeaf(
        name: String, usage: ExtendedKeyUsage.Usage, alternativeNames: [GeneralName], ca: Certificate, caKey: P256.Signing.PrivateKey,
        now: Date, certificate certificatePath: String, key keyPath: String
    ) throws {
        let key = P256.Signing.PrivateKey()
        let certificate = try Certificate(
            version: .v3, serialNumber: serial(), publicKey: .init(key.publicKey), notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(serverLifetime), issuer: ca.subject,
            subject: try DistinguishedName {
                OrganizationName("Navarch")
                CommonName(name)
            },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([usage])
                if !alternativeNames.isEmpty { SubjectAlternativeNames(alternativeNames) }
            },
            issuerPrivateKey: .init(caKey))
        try PrivateFile.write(key.pemRepresentation, to: keyPath)
        try write(certificate.serializeAsPEM().pemString, to: certificatePath)
    }

    /// Whether the server certificate at `path` is missing, near its end, or lacks a name.
    static func needsRenewal(_ path: String, names: [String], now: Date) -> Bool {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let certificate = try? Certificate(pemEncoded: text),
              certificate.notValidAfter.timeIntervalSince(now) > renewBefore,
              let extensionValue = try? certificate.extensions.subjectAlternativeNames
        else { return true }
        let present = Set(extensionValue ?? SubjectAlternativeNames([]))
        return !names.map(generalName).allSatisfy(present.contains)
    }

    static func generalName(_ host: String) -> GeneralName {
        if let bytes = addressBytes(host) { return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))) }
        return .dnsName(host)
    }

    /// The 4 or 16 bytes of an IP address literal; nil for a name.
    static func addressBytes(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    static func serial() -> Certificate.SerialNumber {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        bytes[0] &= 0x7f
        return Certificate.SerialNumber(bytes: bytes)
    }

    static func write(_ text: String, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o644]) else {
            throw NavarchError.failedPrecondition("cannot write \(path)")
        }
    }

    /// SHA-256 fingerprint of a PEM certificate.
    public static func fingerprint(ofPEM pem: String) throws -> String {
        let document = try PEMDocument(pemString: pem)
        return SHA256.hash(data: Data(document.derBytes)).map { String(format: "%02X", $0) }.joined(separator: ":")
    }
}
