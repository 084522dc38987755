import NavarchCore

extension HealthPolicy {
    /// The default policy. XID rules match NVIDIA's resolution buckets, so every code in the
    /// catalog gets the action NVIDIA recommends; application errors escalate only when they
    /// repeat on the same GPU; metric and check thresholds follow NVIDIA's field guidance.
    public static let builtin = HealthPolicy(rules: builtinXIDRules + builtinSXIDRules + builtinMetricRules + builtinCheckRules)

    static func xid(
        _ name: String, _ buckets: [ResolutionBucket], _ verdict: HealthStatus, _ action: HealthAction,
        count: Int = 1, window: Duration = .seconds(24 * 3600), _ reason: String
    ) -> HealthRule {
        var match = RuleMatch(event: .xid)
        match.buckets = Set(buckets)
        match.count = count
        match.window = window
        return HealthRule(name: name, match: match, verdict: verdict, action: action, reason: reason)
    }

    static let builtinXIDRules: [HealthRule] = [
        xid("xid-ignore", [.ignore], .healthy, .none, "NVIDIA: no action required (IGNORE)"),
        xid(
            "xid-application-error", [.restartApp, .workflowXID45, .checkUVM, .xid154Evaluate], .healthy, .alert,
            "NVIDIA: restart the application (RESTART_APP); the machine is not at fault on a first occurrence"),
        xid(
            "xid-application-error-repeated", [.restartApp, .workflowXID45, .checkUVM, .xid154Evaluate], .unhealthy,
            .resetGPU, count: 3,
            "the same application-class XID 3 times in 24 h on one GPU points at the hardware (NVIDIA's WORKFLOW_XID_13/31: run diagnostics)"),
        xid(
            "xid-reset-gpu", [.resetGPU, .workflowXID48, .workflowNVLink, .workflowNVLink5], .unhealthy, .resetGPU,
            "NVIDIA: drain and reset the GPU (RESET_GPU, XID 48 and NVLink workflows)"),
        xid("xid-restart-vm", [.restartVM], .unhealthy, .reboot, "NVIDIA: restart the VM that owns the GPU (RESTART_VM)"),
        xid("xid-restart-bare-metal", [.restartBareMetal], .unhealthy, .reboot, "NVIDIA: restart the machine (RESTART_BM)"),
        xid(
            "xid-hardware", [.contactSupport, .checkMechanicals], .unhealthy, .replace,
            "NVIDIA: contact support or check the board's seating and power (CONTACT_SUPPORT, CHECK_MECHANICALS)"),
        xid("xid-update-software", [.updateSoftware], .degraded, .alert, "NVIDIA: update driver and firmware (UPDATE_SWFW)"),
        xid(
            "xid-unclassified", [.unspecified, .xid154], .degraded, .alert,
            "the catalog gives no resolution for this code; a person should look"),
    ]

    static let builtinSXIDRules: [HealthRule] = {
        var fatal = RuleMatch(event: .sxid)
        fatal.fatal = true
        fatal.scope = .node
        var nonFatal = RuleMatch(event: .sxid)
        nonFatal.fatal = false
        nonFatal.scope = .node
        return [
            HealthRule(
                name: "sxid-fatal", match: fatal, verdict: .unhealthy, action: .reboot,
                reason: "a fatal NVSwitch error takes the fabric down until the GPUs and switches are reset"),
            HealthRule(name: "sxid-non-fatal", match: nonFatal, verdict: .degraded, action: .alert, reason: "a non-fatal NVSwitch error"),
        ]
    }()

    static func metric(
        _ name: String, _ metric: String, above: Double? = nil, below: Double? = nil, _ verdict: HealthStatus,
        _ action: HealthAction, _ reason: String
    ) -> HealthRule {
        var match = RuleMatch(event: .metric)
        match.metric = metric
        match.above = above
        match.below = below
        return HealthRule(name: name, match: match, verdict: verdict, action: action, reason: reason)
    }

    static let builtinMetricRules: [HealthRule] = [
        metric(
            "thermal-near-slowdown", GPUMetric.slowdownMarginCelsius, below: 3, .degraded, .alert,
            "the GPU is within 3 C of its slowdown temperature"),
        metric(
            "thermal-hardware-slowdown", GPUMetric.throttleHardwareThermal, above: 0, .degraded, .alert,
            "the GPU's clocks are cut by hardware thermal slowdown"),
        metric(
            "power-brake", GPUMetric.throttleHardwarePowerBrake, above: 0, .degraded, .alert,
            "the GPU's clocks are cut by the power brake (a PSU or chassis signal)"),
        metric(
            "ecc-double-bit", GPUMetric.eccDoubleBitVolatile, above: 0, .unhealthy, .resetGPU,
            "uncorrectable (double-bit) ECC errors since the last reset"),
        metric(
            "ecc-single-bit-storm", GPUMetric.eccSingleBitVolatile, above: 10_000, .degraded, .alert,
            "more than 10,000 corrected ECC errors since the last reset"),
        metric(
            "row-remap-pending", GPUMetric.remappedRowsPending, above: 0, .degraded, .resetGPU,
            "a row remap is pending; it takes effect at the next GPU reset"),
        metric(
            "row-remap-failure", GPUMetric.remappedRowsFailure, above: 0, .unhealthy, .replace,
            "a row remap failed: the memory bank has no spare rows left (NVIDIA: RMA)"),
        metric(
            "retired-pages-pending", GPUMetric.retiredPagesPending, above: 0, .degraded, .resetGPU,
            "a page retirement is pending; it takes effect at the next GPU reset"),
        metric(
            "retired-pages-limit", GPUMetric.retiredPagesTotal, above: 59, .unhealthy, .replace,
            "60 or more retired pages: NVIDIA's threshold for replacing the board"),
        metric(
            "nvlink-down", GPUMetric.nvlinkLinksDown, above: 0, .unhealthy, .resetGPU,
            "an NVLink that should be up is down"),
        metric(
            "nvlink-errors", GPUMetric.nvlinkErrors, above: 1_000, .degraded, .alert,
            "more than 1,000 NVLink CRC, replay or recovery errors"),
        metric(
            "pcie-replays", GPUMetric.pcieReplayCount, above: 1_000, .degraded, .alert,
            "more than 1,000 PCIe replays: a marginal link"),
    ]

    static let builtinCheckRules: [HealthRule] = {
        var fail = RuleMatch(event: .check)
        fail.checkStatus = .fail
        fail.scope = .node
        var warn = RuleMatch(event: .check)
        warn.checkStatus = .warn
        warn.scope = .node
        var spot = RuleMatch(event: .check)
        spot.checks = ["spot_preemption"]
        spot.checkStatus = .fail
        spot.scope = .node
        return [
            HealthRule(
                name: "spot-preemption", match: spot, verdict: .unhealthy, action: .replace,
                reason: "the cloud is taking this spot machine back: drain it and replace it now"),
            HealthRule(name: "check-failed", match: fail, verdict: .unhealthy, action: .replace, reason: "a boot check, health watch or diagnostic failed"),
            HealthRule(name: "check-warning", match: warn, verdict: .degraded, action: .alert, reason: "a check reported a warning"),
        ]
    }()
}
