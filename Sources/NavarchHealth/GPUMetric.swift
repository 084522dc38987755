import NavarchCore

/// Names of the per-GPU metrics the agent samples and health rules test. Counters are totals
/// as NVML reports them; flags are 0 or 1.
public enum GPUMetric {
    public static let temperatureCelsius = "temperature_celsius"
    public static let slowdownTemperatureCelsius = "temperature_slowdown_celsius"
    public static let shutdownTemperatureCelsius = "temperature_shutdown_celsius"
    /// Slowdown temperature minus the current temperature.
    public static let slowdownMarginCelsius = "temperature_slowdown_margin_celsius"
    public static let powerWatts = "power_watts"
    public static let powerLimitWatts = "power_limit_watts"
    public static let utilizationPercent = GPU.utilizationMetric
    public static let memoryUtilizationPercent = "utilization_memory_percent"
    public static let memoryUsedMiB = "memory_used_mib"
    public static let throttleReasons = "clock_event_reasons"
    public static let throttleHardwareSlowdown = "throttle_hw_slowdown"
    public static let throttleHardwareThermal = "throttle_hw_thermal_slowdown"
    public static let throttleHardwarePowerBrake = "throttle_hw_power_brake_slowdown"
    public static let throttleSoftwareThermal = "throttle_sw_thermal_slowdown"
    public static let throttleSoftwarePowerCap = "throttle_sw_power_cap"
    public static let eccEnabled = "ecc_enabled"
    public static let eccSingleBitVolatile = "ecc_sbe_volatile"
    public static let eccDoubleBitVolatile = "ecc_dbe_volatile"
    public static let eccSingleBitAggregate = "ecc_sbe_aggregate"
    public static let eccDoubleBitAggregate = "ecc_dbe_aggregate"
    public static let retiredPagesSingleBit = "retired_pages_sbe"
    public static let retiredPagesDoubleBit = "retired_pages_dbe"
    public static let retiredPagesTotal = "retired_pages_total"
    public static let retiredPagesPending = "retired_pages_pending"
    public static let remappedRowsCorrectable = "remapped_rows_correctable"
    public static let remappedRowsUncorrectable = "remapped_rows_uncorrectable"
    public static let remappedRowsPending = "remapped_rows_pending"
    public static let remappedRowsFailure = "remapped_rows_failure"
    public static let nvlinkLinksUp = "nvlink_links_up"
    public static let nvlinkLinksDown = "nvlink_links_down"
    /// CRC, replay and recovery errors summed over every link.
    public static let nvlinkErrors = "nvlink_errors"
    public static let pcieReplayCount = "pcie_replay_count"
}
