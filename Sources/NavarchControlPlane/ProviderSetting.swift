/// One value of a provider's section in navarch.yaml, with the line it was on.
public struct ProviderSetting: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case string(String)
        case list([String])
    }

    public var value: Value
    public var line: Int?

    public init(_ value: Value, line: Int? = nil) {
        self.value = value
        self.line = line
    }
}
