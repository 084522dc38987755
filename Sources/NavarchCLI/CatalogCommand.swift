import ArgumentParser
import Foundation
import NavarchCore

/// `navarch catalog`: which machine of which cloud each GPU type means, and its price.
struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog", abstract: "List GPU types and the machine types each provider offers for them, with prices.")

    @Option(help: "Only this GPU type (h100, a100-80gb, ...).")
    var type: String?

    @Option(help: "Only this provider (aws, gcp, azure, lambda).")
    var provider: String?

    @Option(name: [.customShort("o"), .long], help: "Output format: table, json or yaml.")
    var output: OutputFormat = .table

    func validate() throws {
        if let type { do { _ = try InstanceTypeCatalog.named(type) } catch { throw ValidationError("\(error)") } }
        if let provider {
            let known = Set(OfferingCatalog.builtin.offerings.map(\.provider))
            guard known.contains(provider) else {
                throw ValidationError("unknown provider '\(provider)'; the catalog has \(known.sorted().joined(separator: ", "))")
            }
        }
    }

    func run() async throws {
        let order = InstanceTypeCatalog.all.map(\.name)
        let offerings = OfferingCatalog.builtin.offerings
            .filter { type == nil || $0.gpuType == type!.lowercased() }
            .filter { provider == nil || $0.provider == provider }
            .sorted {
                let (a, b) = (order.firstIndex(of: $0.gpuType) ?? 0, order.firstIndex(of: $1.gpuType) ?? 0)
                return a != b ? a < b : ($0.hourlyPerGPU(spot: false) ?? 0) < ($1.hourlyPerGPU(spot: false) ?? 0)
            }
        if output.isStructured {
            print(try Output.render(output, offerings))
            return
        }
        func money(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "-" }
        print(Output.table(
            ["TYPE", "PROVIDER", "MACHINE", "GPUS", "GPU MEM", "INTERCONNECT", "ON-DEMAND $/H", "SPOT $/H", "$/GPU-H", "PRICE AS OF"],
            offerings.map { offering in
                [
                    offering.gpuType, offering.provider, offering.machineType, "\(offering.gpuCount)", "\(offering.gpuMemoryGiB) GiB",
                    offering.interconnect.rawValue, money(offering.onDemandHourlyUSD), money(offering.spotHourlyUSD),
                    money(offering.hourlyPerGPU(spot: false)), "\(offering.priceRegion) \(offering.priceDate)",
                ]
            }))
        print("\nPrices are list prices read from each provider's price page on the date shown; spot prices move hourly.")
    }
}
