import Foundation
import NavarchCore
import NavarchProto

extension NavarchClient {
    /// Creates a bearer token (admin); returns it and its text, shown this once.
    public func createToken(name: String, role: Role, lifetime: Duration?) async throws -> (APIToken, secret: String) {
        var request = Navarch_V1_CreateTokenRequest()
        request.name = name
        request.role = role.rawValue
        request.lifetimeSeconds = lifetime.map { Int64($0.components.seconds) } ?? 0
        return try await call {
            let response = try await admin.createToken(request, options: options)
            return (response.token.domain, response.secret)
        }
    }

    /// The tokens, without secrets (admin).
    public func tokens() async throws -> [APIToken] {
        try await call { try await admin.listTokens(Navarch_V1_ListTokensRequest(), options: options).tokens.map(\.domain) }
    }

    /// Revokes the token named `name` (admin).
    public func revokeToken(name: String) async throws -> APIToken {
        var request = Navarch_V1_RevokeTokenRequest()
        request.name = name
        return try await call { try await admin.revokeToken(request, options: options).domain }
    }

    /// The actor name and role the control plane takes this client for.
    public func whoAmI() async throws -> (name: String, role: String) {
        try await call {
            let response = try await admin.whoAmI(Navarch_V1_WhoAmIRequest(), options: options)
            return (response.name, response.role)
        }
    }
}
