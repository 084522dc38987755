import Foundation
import Logging
import NavarchCore

/// The EC2 Query API: form-encoded POSTs signed with Signature Version 4, XML answers.
public struct EC2Client: Sendable {
    public static let apiVersion = "2016-11-15"

    public let region: String
    /// `https://ec2.<region>.amazonaws.com` unless overridden.
    public let endpoint: String
    let credentials: AWSCredentialProvider
    let http: CloudHTTPClient

    public init(
        region: String, endpoint: String?, credentials: AWSCredentialProvider, calls: ProviderCallLog,
        retry: RetryPolicy = RetryPolicy(), timeout: Duration = .seconds(30), clock: any NavarchClock = SystemClock(),
        logger: Logger = Logger(label: "navarch.provider.aws")
    ) {
        self.region = region
        var base = endpoint ?? "https://ec2.\(region).amazonaws.com"
        while base.hasSuffix("/") { base.removeLast() }
        self.endpoint = base
        self.credentials = credentials
        self.http = CloudHTTPClient(
            provider: "aws", retry: retry, timeout: timeout, calls: calls, clock: clock, logger: logger,
            decodeError: EC2Client.decodeError)
    }

    /// Calls `action` with `parameters` and returns the parsed answer.
    public func call(_ action: String, _ parameters: [(String, String)], idempotent: Bool = true) async throws -> XMLElementTree {
        let form = ([("Action", action), ("Version", Self.apiVersion)] + parameters)
            .map { AWSSignatureV4.encode($0.0) + "=" + AWSSignatureV4.encode($0.1) }
            .joined(separator: "&")
        guard let url = URLComponents(string: endpoint), let host = url.host else {
            throw ProviderConfigurationError(provider: "aws", "endpoint '\(endpoint)' is not a URL")
        }
        let hostHeader = host + (url.port.map { ":\($0)" } ?? "")
        let path = url.path.isEmpty ? "/" : url.path
        let request = CloudRequest(
            operation: action, method: "POST", url: endpoint + (url.path.isEmpty ? "/" : ""),
            headers: [("Host", hostHeader), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: Array(form.utf8), idempotent: idempotent)
        let region = self.region
        let credentials = self.credentials
        let response = try await http.send(request) { attempt in
            var signable = SignableRequest(method: attempt.method, path: path, headers: attempt.headers, body: attempt.body)
            AWSSignatureV4(credentials: try await credentials.credentials(), region: region, service: "ec2").sign(&signable, at: Date())
            attempt.headers = signable.headers
        }
        do { return try XMLElementTree.parse(response.body) } catch {
            throw CloudAPIError(provider: "aws", operation: action, kind: .malformedResponse, status: response.status, message: "\(error)")
        }
    }

    /// EC2's error envelope (`<Response><Errors><Error><Code>`) typed by its code.
    static func decodeError(operation: String, response: CloudResponse) -> CloudAPIError {
        let tree = try? XMLElementTree.parse(response.body)
        let code = tree?.descendants("Code").first?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let message = tree?.descendants("Message").first?.text.trimmingCharacters(in: .whitespacesAndNewlines)
            ?? String(response.text.prefix(300))
        return CloudAPIError(
            provider: "aws", operation: operation, kind: kind(code: code, status: response.status), status: response.status,
            code: code, message: message, retryAfterSeconds: response.retryAfterSeconds)
    }

    /// The kind of an EC2 error code (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
    static func kind(code: String, status: Int) -> CloudAPIError.Kind {
        switch code {
        case "RequestLimitExceeded", "Throttling", "ThrottlingException", "TooManyRequestsException", "SlowDown":
            return .throttled
        case "InsufficientInstanceCapacity", "InsufficientHostCapacity", "InsufficientReservedInstanceCapacity",
            "InsufficientCapacity", "InsufficientCapacityOnHost", "Unsupported", "SpotMaxPriceTooLow",
            "MaxSpotInstanceCountExceeded", "InsufficientFreeAddressesInSubnet":
            return .capacity
        case "AuthFailure", "SignatureDoesNotMatch", "InvalidClientTokenId", "UnauthorizedOperation",
            "UnrecognizedClientException", "IncompleteSignature", "MissingAuthenticationToken", "OptInRequired",
            "AccessDenied", "AccessDeniedException", "RequestExpired":
            return .authentication
        case "InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable":
            return .server
        default:
            if code.hasSuffix(".NotFound") { return .notFound }
            if status == 429 { return .throttled }
            if status >= 500 { return .server }
            if status == 401 || status == 403 { return .authentication }
            return .invalidRequest
        }
    }
}
