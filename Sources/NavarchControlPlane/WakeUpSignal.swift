import Foundation
import NavarchCore
import Synchronization

/// Wakes one waiting service early: a signal given while nobody waits is kept for the next
/// wait, signals given meanwhile count as one, and a cancelled wait returns at once.
final class WakeUpSignal: Sendable {
    private enum State {
        case idle
        case pending
        case waiting(CheckedContinuation<Void, Never>)
    }

    private let state = Mutex(State.idle)

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            switch state {
            case .idle, .pending:
                state = .pending
                return nil
            case .waiting(let continuation):
                state = .idle
                return continuation
            }
        }
        waiter?.resume()
    }

    /// Returns at `deadline` on `clock` (never, when nil), at the next signal (at once if one is
    /// pending), or when the task is cancelled, whichever comes first.
    func wait(until deadline: Date?, clock: any NavarchClock) async {
        guard let deadline else { return await wait() }
        guard deadline > clock.now else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Cancelled when the signal comes first: that is the other way out, not a failure.
                do { try await clock.sleep(until: deadline) } catch {}
            }
            group.addTask { await self.wait() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns at the next signal (at once if one is pending), or when the task is cancelled.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if case .pending = state {
                        state = .idle
                        return true
                    }
                    if Task.isCancelled { return true }
                    state = .waiting(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard case .waiting(let continuation) = state else { return nil }
                state = .idle
                return continuation
            }
            waiter?.resume()
        }
    }
}
