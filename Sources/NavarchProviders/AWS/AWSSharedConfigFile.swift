/// The INI files of the AWS CLI: `~/.aws/credentials` (sections `[name]`) and `~/.aws/config`
/// (sections `[default]` and `[profile name]`).
public struct AWSSharedConfigFile: Sendable, Equatable {
    /// Keys per profile name, lower-cased keys, values trimmed.
    public var profiles: [String: [String: String]]

    /// Parses `text`. `isConfigFile` strips the `profile ` prefix of section names.
    public init(text: String, isConfigFile: Bool) {
        var profiles: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                var name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if isConfigFile && name.hasPrefix("profile ") { name = name.dropFirst("profile ".count).trimmingCharacters(in: .whitespaces) }
                current = name
                profiles[name, default: [:]] = profiles[name] ?? [:]
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            profiles[section]?[key] = value
        }
        self.profiles = profiles
    }
}
