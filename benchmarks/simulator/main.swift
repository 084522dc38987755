// The simulator's speed and memory: one scenario's generated fleet at a given size over a given
// number of simulated days. Prints one JSON line: wall time, brain inputs, failures and the
// process's peak resident memory. benchmarks/simulator/run.sh runs each size in its own process.
import Foundation
import NavarchSimulator

let arguments = CommandLine.arguments
guard arguments.count == 4 || arguments.count == 5, let nodes = Int(arguments[2]), let days = Double(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: navarch-sim-bench SCENARIO NODES DAYS [MAX_CONCURRENT]\n".utf8))
    exit(2)
}
// remediation.max_concurrent per pool (Navarch's default is 2).
let maxConcurrent = arguments.count == 5 ? Int(arguments[4]) ?? 2 : 2
var scenario = try ScenarioFile.load(arguments[1])
guard var stress = scenario.stress, var generator = stress.fleetGen else {
    FileHandle.standardError.write(Data("\(arguments[1]): the benchmark needs a stress section with fleet_gen\n".utf8))
    exit(2)
}
generator.totalNodes = nodes
stress.fleetGen = generator
stress.duration = .seconds(days * 86_400)
scenario.stress = stress

let clock = ContinuousClock()
let started = clock.now
var options = Simulation.Options(seed: 1)
options.policy.maxConcurrentRemediations = maxConcurrent
var simulation = try Simulation(scenario, options: options)
let report = try simulation.run()
let elapsed = clock.now - started
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let line: [String: Any] = [
    "benchmark": "simulator", "scenario": scenario.name, "nodes": nodes, "days": days, "max_concurrent": maxConcurrent,
    "chaos_failures_per_min_per_1000": stress.chaos.failureRate,
    "wall_s": (seconds * 100).rounded() / 100, "peak_rss_mb": usage.ru_maxrss / 1024, "brain_inputs": report.inputs, "reconcile_passes": report.reconcilePasses,
    "inputs_per_s": Int(Double(report.inputs) / seconds), "failures": report.metrics.failures.values.reduce(0, +),
    "replacements": report.metrics.repairs["replace"]?.requested ?? 0, "goodput": report.metrics.goodput,
]
let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
