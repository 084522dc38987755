/// What a finished diagnostic means for its node, pure: a diagnostic that validates a repair
/// goes to the ladder; a pass puts the node back in service when it was in service before, or
/// keeps it cordoned; a failure marks it unhealthy, for remediation.
public enum DiagnosticOutcome: Sendable, Equatable {
    /// The node is not diagnosing (an operator moved it meanwhile): only the result is recorded.
    case recordOnly
    /// The diagnostic validated a repair: it passed or failed the repair.
    case repairValidated(passed: Bool)
    case returnToService
    case stayCordoned
    case markUnhealthy(reason: String)

    /// - Parameters:
    ///   - command: the `run_diagnostic` command that finished.
    ///   - nodeState: the node's state once its drain is counted done.
    ///   - repairUnderWay: whether the node has a repair waiting for validation.
    public static func decide(_ command: NodeCommand, passed: Bool, message: String, nodeState: NodeState, repairUnderWay: Bool) -> DiagnosticOutcome {
        if command.parameters["validation"] != nil && repairUnderWay { return .repairValidated(passed: passed) }
        guard nodeState == .diagnosing else { return .recordOnly }
        guard passed else { return .markUnhealthy(reason: "\(command.reason) failed: \(message)") }
        return command.parameters["return_to_service"] == "true" ? .returnToService : .stayCordoned
    }
}
