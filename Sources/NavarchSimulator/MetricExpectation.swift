import Foundation

/// What a `metric` assertion expects of a figure: a comparison and a number, `>= 0.95`,
/// `< 10`, `== 0` (a bare number means `==`).
public struct MetricExpectation: Sendable, Equatable {
    public enum Comparison: String, Sendable, CaseIterable {
        case atLeast = ">=", atMost = "<=", equal = "==", more = ">", less = "<"
    }
    public var comparison: Comparison
    public var value: Double

    /// Reads `text`; nil when it is not a comparison and a number.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // Two-character operators first, so that ">=" is not read as ">".
        let order: [Comparison] = [.atLeast, .atMost, .equal, .more, .less]
        let found = order.first { trimmed.hasPrefix($0.rawValue) }
        comparison = found ?? .equal
        guard let number = Double(trimmed.dropFirst(found?.rawValue.count ?? 0).trimmingCharacters(in: .whitespaces)), number.isFinite else {
            return nil
        }
        value = number
    }

    public func holds(for actual: Double) -> Bool {
        switch comparison {
        case .atLeast: actual >= value
        case .atMost: actual <= value
        case .equal: actual == value
        case .more: actual > value
        case .less: actual < value
        }
    }
}
