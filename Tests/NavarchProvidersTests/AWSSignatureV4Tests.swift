import Foundation
@testable import NavarchProviders
import Testing

/// The signer against AWS's own Signature Version 4 test suite (Fixtures/aws-sig-v4-test-suite).
@Suite struct AWSSignatureV4Tests {
    static let signer = AWSSignatureV4(
        credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service")

    static let cases = [
        "get-header-key-duplicate", "get-header-value-trim", "get-space", "get-utf8", "get-vanilla-query-order-key",
        "get-vanilla-query-order-key-case", "get-vanilla-query-unreserved", "post-header-value-case", "post-sts-header-before",
        "post-vanilla-empty-query-value", "post-x-www-form-urlencoded", "post-x-www-form-urlencoded-parameters",
    ]

    static func file(_ name: String, _ suffix: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/aws-sig-v4-test-suite/\(name)/\(name).\(suffix)", withExtension: nil))
        return String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }

    /// Reads a `.req` file: `METHOD TARGET HTTP/1.1`, `Name:value` lines, a blank line, the body.
    static func request(_ text: String) throws -> SignableRequest {
        let parts = text.components(separatedBy: "\n\n")
        var lines = parts[0].components(separatedBy: "\n")
        let first = lines.removeFirst()
        let method = String(first.prefix { $0 != " " })
        let target = String(first.dropFirst(method.count + 1).dropLast(" HTTP/1.1".count))
        let (path, queryText) = target.firstIndex(of: "?").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) } ?? (target, "")
        let query = queryText.isEmpty ? [] : queryText.split(separator: "&").map { pair -> (name: String, value: String) in
            let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(pieces[0]), pieces.count > 1 ? String(pieces[1]) : "")
        }
        let headers = lines.map { line -> (name: String, value: String) in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), String(line[line.index(after: colon)...]))
        }
        return SignableRequest(method: method, path: path, query: query, headers: headers, body: Array((parts.count > 1 ? parts[1] : "").utf8))
    }

    @Test(arguments: cases) func authorizationMatchesAWS(name: String) throws {
        let request = try Self.request(try Self.file(name, "req"))
        let expected = try Self.file(name, "authz").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Self.signer.authorization(for: request, timestamp: "20150830T123600Z") == expected)
    }

    @Test func canonicalRequestAndStringToSignMatchAWS() throws {
        let request = try Self.request(try Self.file("get-vanilla-query-order-key", "req"))
        #expect(Self.signer.canonicalRequest(request) == (try Self.file("get-vanilla-query-order-key", "creq")))
        #expect(Self.signer.stringToSign(for: request, timestamp: "20150830T123600Z") == (try Self.file("get-vanilla-query-order-key", "sts")))
    }

    @Test func signAddsTheDateTheTokenAndTheAuthorization() throws {
        var signer = Self.signer
        signer.credentials.sessionToken = "token-1"
        var request = SignableRequest(method: "POST", path: "/", headers: [("Host", "ec2.us-east-1.amazonaws.com")], body: Array("Action=DescribeInstances&Version=2016-11-15".utf8))
        signer.sign(&request, at: Date(timeIntervalSince1970: 1_440_938_160))
        #expect(request.header("x-amz-date") == "20150830T123600Z")
        #expect(request.header("x-amz-security-token") == "token-1")
        let authorization = try #require(request.header("authorization"))
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature="))
        var tampered = request
        tampered.body = Array("Action=TerminateInstances&Version=2016-11-15".utf8)
        tampered.headers.removeAll { $0.name == "Authorization" }
        #expect(signer.authorization(for: tampered, timestamp: "20150830T123600Z") != authorization, "the body is signed")
    }
}
