import ArgumentParser
import NavarchCore

/// The flags that say what machines a pool is made of, shared by `navarch up` and
/// `navarch pools create`.
struct PoolSpecOptions: ParsableArguments {
    @Option(help: "GPU type: \(InstanceTypeCatalog.all.map(\.name).joined(separator: ", ")).")
    var type: String

    @Option(help: "Provider, or several in order of preference (aws,lambda); default: the control plane's.")
    var provider = ""

    @Flag(help: "Spot (preemptible) machines instead of on-demand.")
    var spot = false

    @Option(name: .customLong("spot-fallback"), help: "With --spot: 'on-demand' to take on-demand machines where spot has no capacity, or 'none' (fail over to the next provider).")
    var spotFallback = "none"

    @Option(help: "'cluster' to place the nodes together (placement group, compact policy, proximity group), or 'none'.")
    var placement = "none"

    func validate() throws {
        do { _ = try InstanceTypeCatalog.named(type) } catch { throw ValidationError("\(error)") }
        do { _ = try poolOptions() } catch { throw ValidationError("\(error.message)") }
    }

    func poolOptions() throws(NavarchError) -> PoolOptions {
        try PoolOptions(spot: spot, spotFallback: spotFallback, placement: placement)
    }
}
