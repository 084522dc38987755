import NavarchCore
import Testing
@testable import NavarchControlPlane

/// A stopping control plane ends its long-lived streams; one opened after that (an agent that
/// reconnects at once) must end too, or the gRPC server's graceful shutdown waits for it forever.
@Suite(.timeLimit(.minutes(1))) struct StreamShutdownTests {
    @Test func aCommandStreamOpenedAfterFinishAllEndsAtOnce() async {
        let broker = CommandBroker()
        let before = broker.connect("gpu-1")
        broker.finishAll()
        let after = broker.connect("gpu-1")
        for await _ in before { Issue.record("no command was sent") }
        for await _ in after { Issue.record("no command was sent") }
        #expect(!broker.isConnected("gpu-1"))
        #expect(!broker.deliver(NodeCommand(id: "c1", nodeID: "gpu-1", kind: .cordon, reason: "test", issuedAt: .now)))
    }

    @Test func anEventStreamOpenedAfterFinishAllEndsAtOnce() async {
        let hub = EventHub()
        let before = hub.subscribe()
        hub.finishAll()
        let after = hub.subscribe()
        hub.publish(FleetEvent(sequence: 1, time: .now, kind: "node.registered", message: "late"))
        for await _ in before { Issue.record("the stream was finished before the event") }
        for await _ in after { Issue.record("the stream was finished before the event") }
    }
}
