import Logging
import NavarchCore
import ServiceLifecycle

/// Hands every recorded event to the notifiers, off the fleet's path: a slow or failing
/// receiver (retrying with backoff) never delays a decision. Each notifier gets the events in
/// order, on its own queue.
struct NotificationService: Service {
    let notifiers: [any Notifier]
    let events: AsyncStream<FleetEvent>
    let logger: Logger

    func run() async throws {
        await withDiscardingTaskGroup { group in
            var queues: [AsyncStream<FleetEvent>.Continuation] = []
            for notifier in notifiers {
                let (stream, continuation) = AsyncStream<FleetEvent>.makeStream(bufferingPolicy: .bufferingOldest(100_000))
                queues.append(continuation)
                group.addTask {
                    for await event in stream {
                        do { try await notifier.notify(event) } catch {
                            logger.warning("notifier failed", metadata: ["error": "\(error)", "event": "\(event.kind)", "sequence": "\(event.sequence)"])
                        }
                    }
                }
            }
            let all = queues
            await cancelWhenGracefulShutdown {
                for await event in events {
                    for queue in all { queue.yield(event) }
                }
            }
            for queue in queues { queue.finish() }
        }
    }
}
