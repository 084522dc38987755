import NavarchCore

// Ranks every provider of the catalog for `--type h100` with the example's discounts, the way
// the control plane asks a Scheduler when a pool names several providers.
let scheduler = CostScheduler(discounts: ["aws": 0.30], maximumHourlyPerGPU: 10)
let type = try InstanceTypeCatalog.named(CommandLine.arguments.dropFirst().first ?? "h100")
let options = OfferingCatalog.builtin.providers(offering: type.name).map { ProvisionOption(provider: $0, instanceType: type) }
for option in options {
    let price = scheduler.effectivePrice(option).map { String(format: "$%.2f", $0) } ?? "-"
    print("\(option.provider): \(price) per GPU-hour")
}
if let best = try scheduler.choose(from: options) {
    print("chosen: \(best.provider)")
}
