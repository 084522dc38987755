import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Provider credentials under the user's config directory, one file per provider
/// (`~/.config/navarch/credentials/aws.json`), readable by the owner only (mode 0600, folder 0700).
public struct CredentialStore: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// `$NAVARCH_CONFIG_DIR/credentials`, else `$XDG_CONFIG_HOME/navarch/credentials`, else
    /// `~/.config/navarch/credentials`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let dir = environment["NAVARCH_CONFIG_DIR"], !dir.isEmpty { return dir + "/credentials" }
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { return xdg + "/navarch/credentials" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.config/navarch/credentials"
    }

    public static let providers = ["aws", "gcp", "azure", "lambda"]

    func path(of provider: String) -> String { directory + "/\(provider).json" }

    /// Writes `credential`, replacing the provider's earlier one.
    public func save(_ credential: StoredCredential) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(credential)
        let temporary = path(of: credential.provider) + ".tmp"
        guard manager.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ProviderConfigurationError(provider: credential.provider, "cannot write \(temporary)")
        }
        guard rename(temporary, path(of: credential.provider)) == 0 else {
            throw ProviderConfigurationError(provider: credential.provider, "cannot write \(path(of: credential.provider)): \(String(cString: strerror(errno)))")
        }
    }

    /// The provider's credentials, `nil` when none were set; an error when the file is
    /// unreadable, malformed or readable by others.
    public func load(provider: String) throws(ProviderConfigurationError) -> StoredCredential? {
        let file = path(of: provider)
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        if let mode = (try? FileManager.default.attributesOfItem(atPath: file))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw ProviderConfigurationError(
                provider: provider, "\(file) is readable by others (mode \(String(mode, radix: 8))); run chmod 600 on it")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ProviderConfigurationError(provider: provider, "cannot read \(file)")
        }
        guard let credential = try? JSONDecoder().decode(StoredCredential.self, from: data), credential.provider == provider else {
            throw ProviderConfigurationError(provider: provider, "\(file) is not a credentials file; set the credentials again with `navarch config set-credentials \(provider)`")
        }
        return credential
    }

    /// Every provider's stored credentials.
    public func all() throws -> [StoredCredential] {
        try Self.providers.compactMap { try load(provider: $0) }
    }
}
