import Foundation
import NavarchCore

extension Navarch_V1_Token {
    /// A token without its secret or hash: what the API shows of it.
    public init(_ token: APIToken) {
        self.init()
        name = token.name
        role = token.role.rawValue
        createdAtUnixMs = Int64(token.createdAt.timeIntervalSince1970 * 1000)
        expiresAtUnixMs = token.expiresAt.map { Int64($0.timeIntervalSince1970 * 1000) } ?? 0
        createdBy = token.createdBy
    }

    /// The token as the API showed it (id and hash are never sent).
    public var domain: APIToken {
        APIToken(
            id: "", name: name, role: Role(rawValue: role) ?? .viewer, secretHash: "",
            createdAt: Date(timeIntervalSince1970: Double(createdAtUnixMs) / 1000),
            expiresAt: expiresAtUnixMs == 0 ? nil : Date(timeIntervalSince1970: Double(expiresAtUnixMs) / 1000), createdBy: createdBy)
    }
}
