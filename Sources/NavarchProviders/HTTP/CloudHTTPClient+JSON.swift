import Foundation

extension CloudHTTPClient {
    /// Sends `request` and decodes the answer as a JSON object; an empty answer (204) is `[:]`.
    public func json(
        _ request: CloudRequest, prepare: @Sendable (inout CloudRequest) async throws -> Void = { _ in }
    ) async throws -> [String: Any] {
        let response = try await send(request, prepare: prepare)
        if response.body.isEmpty { return [:] }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] else {
            throw CloudAPIError(
                provider: provider, operation: request.operation, kind: .malformedResponse, status: response.status,
                message: "the answer is not a JSON object: \(response.text.prefix(200))")
        }
        return object
    }

    /// A JSON request body, keys sorted so that the same request is the same bytes.
    static func jsonBody(_ value: Any) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]))
    }
}
