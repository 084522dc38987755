import Foundation
import NavarchCore

/// The distributions the simulated world draws from, built on ``SeededRandom`` rather than on
/// the standard library's, whose algorithms are not promised to stay the same: the same seed
/// draws the same world on every machine and every run.
extension SeededRandom {
    /// Uniform in [0, 1), with 53 bits of precision.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool {
        probability > 0 && unit() < probability
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * unit()
    }

    /// Uniform in 0..<count.
    public mutating func index(_ count: Int) -> Int {
        precondition(count > 0, "an index needs a non-empty range")
        return Int(next() % UInt64(count))
    }

    /// Exponentially distributed with the given mean: the time to the next event of a Poisson process.
    public mutating func exponential(mean: Double) -> Double {
        -mean * log(1 - unit())
    }

    /// Normally distributed (Box-Muller), cut at zero: a duration that cannot be negative.
    public mutating func normal(mean: Double, standardDeviation: Double) -> Double {
        guard standardDeviation > 0 else { return max(mean, 0) }
        let u1 = max(unit(), .leastNonzeroMagnitude), u2 = unit()
        return max(mean + standardDeviation * sqrt(-2 * log(u1)) * cos(2 * .pi * u2), 0)
    }

    /// One of `choices`, each as likely as its weight; nil when no weight is positive.
    public mutating func pick<T>(_ choices: [(T, Double)]) -> T? {
        let total = choices.reduce(0) { $0 + max($1.1, 0) }
        guard total > 0 else { return nil }
        var point = unit() * total
        for (choice, weight) in choices where weight > 0 {
            if point < weight { return choice }
            point -= weight
        }
        return choices.last { $0.1 > 0 }?.0
    }
}
