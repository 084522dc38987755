import Foundation
import NavarchCore

/// Turns a stress run's `fleet_gen` into Navarch pools: one pool per template, provider and
/// region, sized by their weights and percentages (largest remainder, so the sizes add up to
/// `total_nodes` exactly), with simulated providers whose zones are the generator's.
struct FleetGenerator {
    let generator: Scenario.FleetGen
    let file: String

    /// The pools, in a defined order.
    func pools() throws -> [Scenario.PoolSpec] {
        let templates = generator.templates.isEmpty
            ? [Scenario.FleetGen.Template(name: "h100", gpuType: "h100")] : generator.templates
        let providers = generator.providers.isEmpty ? [("aws", 100.0)] : generator.providers
        let regions = generator.regions.isEmpty ? [("", 100.0)] : generator.regions
        var cells: [(template: Scenario.FleetGen.Template, type: InstanceType, provider: String, region: String, share: Double)] = []
        for (index, template) in templates.enumerated() {
            guard let type = CatalogMatch.instanceType(for: template.gpuType.isEmpty ? template.name : template.gpuType) else {
                throw ScenarioError(
                    file: file, line: nil, key: "stress.fleet_gen.templates[\(index)].gpu_type",
                    problem: "no Navarch GPU type matches '\(template.gpuType)'; known: \(InstanceTypeCatalog.all.map(\.name).joined(separator: ", "))")
            }
            for (provider, providerShare) in providers {
                for (region, regionShare) in regions {
                    cells.append((template, type, provider, region, template.weight * providerShare * regionShare))
                }
            }
        }
        let sizes = Self.apportion(generator.totalNodes, by: cells.map(\.share))
        var pools: [Scenario.PoolSpec] = []
        for (cell, size) in zip(cells, sizes) where size > 0 {
            let name = Self.poolName([cell.template.name, cell.provider, cell.region])
            var pool = Scenario.PoolSpec(name: name, provider: cell.provider, gpuType: cell.type.name, nodes: size)
            pool.zones = zones(in: cell.region)
            pool.labels = ["template": cell.template.name]
            pools.append(pool)
        }
        return pools
    }

    /// The generator's zones in `region` (all of them when none starts with its name), or three
    /// made up from the region's name.
    func zones(in region: String) -> [String] {
        let listed = generator.zones.filter { region.isEmpty || $0.hasPrefix(region) }
        if !listed.isEmpty { return listed }
        if !generator.zones.isEmpty { return generator.zones }
        return region.isEmpty ? [] : ["a", "b", "c"].map { "\(region)-\($0)" }
    }

    /// `total` split by `weights`, each share rounded down and the rest given to the largest
    /// remainders (ties to the earlier).
    static func apportion(_ total: Int, by weights: [Double]) -> [Int] {
        let sum = weights.reduce(0) { $0 + max($1, 0) }
        guard sum > 0, total > 0 else { return weights.map { _ in 0 } }
        let exact = weights.map { Double(total) * max($0, 0) / sum }
        var sizes = exact.map { Int($0) }
        let order = exact.indices.sorted { (exact[$0] - Double(sizes[$0]), -$0) > (exact[$1] - Double(sizes[$1]), -$1) }
        for index in order.prefix(total - sizes.reduce(0, +)) { sizes[index] += 1 }
        return sizes
    }

    /// A valid pool name from its parts: lower case, letters, digits and '-', at most 48 long.
    static func poolName(_ parts: [String]) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789")
        let joined = parts.filter { !$0.isEmpty }.joined(separator: "-").lowercased()
        var name = String(joined.map { allowed.contains($0) ? $0 : "-" })
        while name.contains("--") { name = name.replacingOccurrences(of: "--", with: "-") }
        name = String(name.prefix(48))
        while name.hasPrefix("-") { name.removeFirst() }
        while name.hasSuffix("-") { name.removeLast() }
        return name.isEmpty ? "pool" : name
    }
}
