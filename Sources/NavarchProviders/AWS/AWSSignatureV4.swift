import Crypto
import Foundation
import NavarchCore

/// AWS Signature Version 4: signs a request for one region and service with an access key, as
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
/// describes. Tested against AWS's published test suite.
public struct AWSSignatureV4: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Adds `X-Amz-Date` (unless present), `X-Amz-Security-Token` for temporary credentials and
    /// `Authorization` to the request.
    public func sign(_ request: inout SignableRequest, at date: Date) {
        let stamp = request.header("x-amz-date") ?? Self.timestamp(date)
        if request.header("x-amz-date") == nil { request.headers.append(("X-Amz-Date", stamp)) }
        if let token = credentials.sessionToken, request.header("x-amz-security-token") == nil {
            request.headers.append(("X-Amz-Security-Token", token))
        }
        request.headers.append(("Authorization", authorization(for: request, timestamp: stamp)))
    }

    /// The `Authorization` header's value for a request carrying `X-Amz-Date: timestamp`.
    public func authorization(for request: SignableRequest, timestamp: String) -> String {
        let day = String(timestamp.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let signature = HMAC<SHA256>.authenticationCode(for: Data(stringToSign(for: request, timestamp: timestamp).utf8), using: signingKey(day: day))
        return "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders(request)), Signature=\(Self.hex(signature))"
    }

    /// Step 2: the string to sign.
    public func stringToSign(for request: SignableRequest, timestamp: String) -> String {
        let scope = "\(timestamp.prefix(8))/\(region)/\(service)/aws4_request"
        return "AWS4-HMAC-SHA256\n\(timestamp)\n\(scope)\n\(Self.hex(SHA256.hash(data: Data(canonicalRequest(request).utf8))))"
    }

    /// Step 1: the canonical request.
    public func canonicalRequest(_ request: SignableRequest) -> String {
        var path = "/"
        if !request.path.isEmpty {
            let segments: [String] = request.path.split(separator: "/", omittingEmptySubsequences: false).map { Self.encode(String($0)) }
            path = segments.joined(separator: "/")
        }
        var pairs: [(name: String, value: String)] = request.query.map { (Self.encode($0.name), Self.encode($0.value)) }
        pairs.sort { $0.name != $1.name ? $0.name < $1.name : $0.value < $1.value }
        let query = pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        let headers = canonicalHeaders(request).map { "\($0.name):\($0.value)\n" }.joined()
        let payload = Self.hex(SHA256.hash(data: Data(request.body)))
        return [request.method.uppercased(), path, query, headers, signedHeaders(request), payload].joined(separator: "\n")
    }

    /// Lower-cased names, trimmed values with inner runs of spaces collapsed, duplicates joined
    /// with commas in their order, sorted by name.
    func canonicalHeaders(_ request: SignableRequest) -> [(name: String, value: String)] {
        var merged: [String: [String]] = [:]
        for header in request.headers where header.name.lowercased() != "authorization" {
            let value = header.value.trimmingCharacters(in: .whitespaces)
                .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            merged[header.name.lowercased(), default: []].append(value)
        }
        return merged.keys.sorted().map { ($0, merged[$0]!.joined(separator: ",")) }
    }

    func signedHeaders(_ request: SignableRequest) -> String {
        canonicalHeaders(request).map(\.name).joined(separator: ";")
    }

    func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters.
    static func encode(_ text: String) -> String { PercentEncoding.encode(text) }

    /// `20150830T123600Z`.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        Hex.lowercase(digest)
    }
}
