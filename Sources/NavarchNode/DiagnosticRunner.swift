import Foundation
import NavarchCore
import NavarchProcess
import NavarchHealth

/// Runs active diagnostics on a drained node: DCGM's `dcgmi diag -r N -j` (plus `gpu_burn` at
/// level 3 and up where installed), `nvbandwidth`, or `all_reduce_perf` from nccl-tests. Every
/// tool's output goes through its parser; a tool that is not installed is a skipped check.
public struct DiagnosticRunner: Sendable {
    public var runner: CommandRunner

    public init(runner: CommandRunner = CommandRunner()) {
        self.runner = runner
    }

    /// Runs `suite` at `level` on `gpus`; returns one outcome per test and GPU.
    public func run(suite: String, level: Int, gpus: [GPU]) async -> [CheckOutcome] {
        switch suite {
        case "dcgm": return await dcgm(level: level, gpus: gpus)
        case "nvbandwidth": return await nvbandwidth(gpus: gpus)
        case "nccl": return await nccl(gpus: gpus)
        default: return [CheckOutcome(name: "diagnostic", status: .fail, message: "unknown suite '\(suite)'")]
        }
    }

    func dcgm(level: Int, gpus: [GPU]) async -> [CheckOutcome] {
        var outcomes: [CheckOutcome] = []
        let timeout: Duration = .seconds([1: 120, 2: 600, 3: 3600, 4: 14_400][level] ?? 600)
        outcomes += await tool("dcgmi", ["diag", "-r", "\(level)", "-j"], check: "dcgm_diag", timeout: timeout) { output in
            let report = try DCGMDiagnosticReport.parse(output.stdout)
            return report.results.map { result in
                CheckOutcome(
                    name: "dcgm_diag.\(result.test)", status: result.status, gpuIndex: result.gpuIndex,
                    message: result.messages.first ?? "")
            }
        }
        if level >= 3 {
            outcomes += await tool("gpu_burn", ["60"], check: "gpu_burn", timeout: .seconds(180)) { output in
                let faulty = output.stdout.split(separator: "\n").filter { $0.contains("FAULTY") }
                let ran = output.stdout.contains("OK") || !faulty.isEmpty
                guard ran else { throw ToolOutputError(tool: "gpu_burn", problem: "no per-GPU result in the output") }
                return [CheckOutcome(
                    name: "gpu_burn", status: faulty.isEmpty ? .pass : .fail,
                    message: faulty.isEmpty ? "every GPU computed correctly for 60 s" : faulty.joined(separator: "; "))]
            }
        }
        return outcomes
    }

    func nvbandwidth(gpus: [GPU]) async -> [CheckOutcome] {
        let expected = gpus.first.flatMap { FabricExpectations.forModel($0.model) }
        return await tool(
            "nvbandwidth", ["-t", "host_to_device_memcpy_ce", "-t", "device_to_device_memcpy_write_ce"], check: "nvbandwidth",
            timeout: .seconds(600)
        ) { output in
            let report = try NVBandwidthReport.parse(output.stdout)
            var outcomes: [CheckOutcome] = []
            for (test, floor) in [("host_to_device_memcpy_ce", expected?.hostToDeviceGBps), ("device_to_device_memcpy_write_ce", expected?.deviceToDeviceGBps)] {
                guard let measured = report[test] else { continue }
                let figures = String(format: "min %.1f GB/s, avg %.1f GB/s", measured.minimum, measured.average)
                guard let floor else {
                    outcomes.append(CheckOutcome(name: "nvbandwidth.\(test)", status: .pass, message: "\(figures) (no expected figure for this model)"))
                    continue
                }
                outcomes.append(CheckOutcome(
                    name: "nvbandwidth.\(test)", status: measured.minimum >= floor ? .pass : .fail,
                    message: "\(figures); expected at least \(Int(floor)) GB/s"))
            }
            return outcomes
        }
    }

    func nccl(gpus: [GPU]) async -> [CheckOutcome] {
        let expected = gpus.first.flatMap { FabricExpectations.forModel($0.model) }
        return await tool(
            "all_reduce_perf", ["-b", "8", "-e", "8G", "-f", "2", "-g", "\(max(1, gpus.count))"], check: "nccl_all_reduce",
            timeout: .seconds(900)
        ) { output in
            let report = try NCCLTestsReport.parse(output.stdout)
            let figures = String(format: "peak bus bandwidth %.1f GB/s, average %.1f GB/s", report.peakBusBandwidth, report.averageBusBandwidth)
            if report.outOfBounds > 0 {
                return [CheckOutcome(name: "nccl_all_reduce", status: .fail, message: "\(report.outOfBounds) wrong results; \(figures)")]
            }
            guard let floor = expected?.allReduceBusGBps else {
                return [CheckOutcome(name: "nccl_all_reduce", status: .pass, message: "\(figures) (no expected figure for this model)")]
            }
            return [CheckOutcome(
                name: "nccl_all_reduce", status: report.peakBusBandwidth >= floor ? .pass : .fail,
                message: "\(figures); expected at least \(Int(floor)) GB/s")]
        }
    }

    /// Runs a tool and parses its output; a missing tool is a skip, a crash or unreadable output a failure.
    private func tool(
        _ name: String, _ arguments: [String], check: String, timeout: Duration,
        parse: (CommandRunner.Output) throws -> [CheckOutcome]
    ) async -> [CheckOutcome] {
        let output: CommandRunner.Output?
        do { output = try await runner.run(name, arguments, timeout: timeout) } catch {
            return [CheckOutcome(name: check, status: .fail, message: "cannot run \(name): \(error)")]
        }
        guard let output else { return [CheckOutcome(name: check, status: .skip, message: "\(name) is not installed")] }
        if output.timedOut { return [CheckOutcome(name: check, status: .fail, message: "\(name) did not finish in time")] }
        do {
            let outcomes = try parse(output)
            guard !outcomes.isEmpty else { return [CheckOutcome(name: check, status: .fail, message: "\(name) reported no results")] }
            return outcomes
        } catch {
            let detail = (output.stderr.isEmpty ? output.stdout : output.stderr).split(separator: "\n").first.map(String.init) ?? ""
            return [CheckOutcome(name: check, status: .fail, message: "\(error) (exit \(output.status))\(detail.isEmpty ? "" : ": \(detail)")")]
        }
    }
}
