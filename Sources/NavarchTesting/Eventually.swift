import NavarchCore

/// Polls `condition` until it holds or `timeout` passes; an error from the condition counts as
/// "not yet" and is named in the timeout error.
public func eventually(
    _ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    var lastError: (any Error)?
    var finalCheck = false
    while !finalCheck {
        // One more look after the deadline: on a busy machine this task may not have run at all
        // while the deadline passed.
        finalCheck = ContinuousClock.now >= deadline
        do {
            if try await condition() { return }
        } catch {
            lastError = error
        }
        if !finalCheck { try await Task.sleep(for: .milliseconds(20)) }
    }
    throw NavarchError(.internal, "timed out waiting until \(what)" + (lastError.map { " (last error: \($0))" } ?? ""))
}
