import Foundation
import NavarchClient
import NavarchControlPlane
import NavarchCore
import NavarchProviders
import NavarchStore
import NavarchTesting
import Testing

/// A pool whose machines never register (an image without the agent, a firewall between the
/// machines and the control plane) stops buying them, on a manual clock.
@Suite struct ProvisioningBreakerTests {
    @Test func aPoolWhoseMachinesNeverRegisterStopsBuyingUntilReset() async throws {
        let clock = ManualClock()
        let provider = FakeProvider()
        var configuration = testConfiguration()
        configuration.registrationTimeout = .seconds(10)
        configuration.provisionRetryBackoff = .seconds(1)
        configuration.provisioningBreakerAfter = 3
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: provider).with(clock: clock)
        try await withFleet(plane) { client, agent in
            _ = try await client.createPool(name: "dark", gpuType: "h100", gpus: 16)
            try await eventually("two machines bought") { provider.provisionCalls == 2 }

            // Neither registers: both fail, the pool waits, then buys only one more (it may
            // lose one more machine before its breaker opens).
            clock.advance(by: .seconds(11))
            try await eventually("both failed") {
                try await client.instances(pool: "dark").filter { $0.state == .failed || $0.state == .terminated }.count == 2
            }
            for _ in 0..<5 { clock.advance(by: .seconds(1)) }
            try await eventually("one more bought") { provider.provisionCalls == 3 }

            clock.advance(by: .seconds(11))
            try await eventually("the provisioning breaker opens") {
                try await client.serverInfo().breakers.contains { $0.scope == "provisioning dark" && $0.open }
            }
            let opened = try #require(try await client.events(pool: "dark").first { $0.kind == "breaker.opened" })
            #expect(opened.attributes["scope"] == "provisioning dark")
            #expect(opened.message.contains("3 machine(s) of pool dark in a row never registered"), "\(opened.message)")
            #expect(opened.message.contains("the image has no agent"), "names the likely causes: \(opened.message)")
            #expect(FleetEvent(time: Date(), kind: opened.kind, message: "").severity == .critical)
            #expect(provider.provisionCalls == 3)

            // An operator resets it: the pool provisions again, and a machine that registers
            // clears the count.
            let reset = try await client.resetBreaker(scope: "dark")
            #expect(reset.map(\.scope) == ["provisioning dark"])
            clock.advance(by: .seconds(2))
            try await eventually("the pool buys again") { provider.provisionCalls >= 4 }
            #expect(try await client.serverInfo().breakers.first { $0.scope == "provisioning dark" }?.open == false)
            var requests = provider.requests.makeAsyncIterator()
            var latest: ProvisionRequest?
            for _ in 0..<provider.provisionCalls { latest = await requests.next() }
            let request = try #require(latest)
            _ = try await agent.register(registration(node: request.nodeID, instance: request.instanceID))
            try await eventually("it runs") {
                try await client.instances(pool: "dark").contains { $0.id == request.instanceID && $0.state == .running }
            }
            #expect(try await client.events(pool: "dark").contains { $0.kind == "breaker.reset" && $0.attributes["scope"] == "provisioning dark" })
        }
    }

    @Test func anOpenProvisioningBreakerSurvivesARestart() async throws {
        let clock = ManualClock()
        let store = InMemoryStore()
        var configuration = testConfiguration()
        configuration.registrationTimeout = .seconds(10)
        configuration.provisioningBreakerAfter = 1
        let provider = FakeProvider()
        let plane = ControlPlane(configuration: configuration, store: store).with(provider: provider).with(clock: clock)
        try await withFleet(plane) { client, _ in
            _ = try await client.createPool(name: "dark", gpuType: "h100", gpus: 8)
            try await eventually("bought") { provider.provisionCalls == 1 }
            clock.advance(by: .seconds(11))
            try await eventually("open") { try await client.serverInfo().breakers.contains { $0.scope == "provisioning dark" && $0.open } }
        }
        let again = FakeProvider()
        let restarted = ControlPlane(configuration: configuration, store: store).with(provider: again).with(clock: clock)
        try await withFleet(restarted) { client, _ in
            let breakers = try await client.serverInfo().breakers
            #expect(breakers.contains { $0.scope == "provisioning dark" && $0.open }, "\(breakers)")
            #expect(again.provisionCalls == 0)
        }
    }
}
