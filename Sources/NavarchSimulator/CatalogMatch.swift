import NavarchCore

/// Reads a GPU as the reference project's scenarios name it ("NVIDIA H100 80GB HBM3",
/// "NVIDIA A100 80GB") as one of Navarch's instance types, so that a generated pool asks for
/// the right machines and is priced from the offering catalog.
enum CatalogMatch {
    /// The catalog type whose name's parts all appear as words of `gpuType` (or that is named
    /// `gpuType`), the most specific first: "A100 80GB" is `a100-80gb`, not `a100`.
    static func instanceType(for gpuType: String) -> InstanceType? {
        if let exact = try? InstanceTypeCatalog.named(gpuType) { return exact }
        if let model = InstanceTypeCatalog.all.first(where: { $0.gpuModel.lowercased() == gpuType.lowercased() }) { return model }
        let words = Set(gpuType.lowercased().split { $0 == " " || $0 == "-" || $0 == "_" }.map(String.init))
        let matches = InstanceTypeCatalog.all.filter { type in type.name.split(separator: "-").allSatisfy { words.contains(String($0)) } }
        return matches.max { $0.name.split(separator: "-").count < $1.name.split(separator: "-").count }
    }

    /// The hourly price of a machine of `type` at `provider`: the catalog's for that provider,
    /// else the lowest any provider lists (a simulated provider the catalog does not know).
    static func hourlyPrice(provider: String, type: InstanceType, spot: Bool) -> Double {
        let catalog = OfferingCatalog.builtin
        let machine = catalog.machine(provider: provider, for: type)
        // Spot where the catalog has a spot price, else on-demand.
        let perGPU: Double? = machine?.hourlyPerGPU(spot: spot) ?? machine?.hourlyPerGPU(spot: false)
            ?? catalog.providers(offering: type.name).compactMap { catalog.machine(provider: $0, for: type)?.hourlyPerGPU(spot: false) }.min()
        return (perGPU ?? 0) * Double(type.gpusPerNode)
    }
}
