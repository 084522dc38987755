import Foundation
import NavarchCloudFakes
import NavarchCore
import NavarchProviders
import Synchronization
import Testing

/// How the AWS provider behaves against an EC2 endpoint that throttles: a token bucket of
/// `rate` requests per second answers the rest with `RequestLimitExceeded`, as EC2 does.
/// Prints figures; asserts only that every call eventually succeeded. Run by
/// `benchmarks/provider_throttling.sh` (NAVARCH_BENCHMARK=1).
enum BenchmarkSwitch {
    static let requested = ProcessInfo.processInfo.environment["NAVARCH_BENCHMARK"] == "1"
    static let skipReason = Comment(rawValue: "a benchmark: set NAVARCH_BENCHMARK=1 (benchmarks/provider_throttling.sh)")
}

@Suite(.enabled(if: BenchmarkSwitch.requested, BenchmarkSwitch.skipReason))
struct ThrottlingBenchmark {
    final class Counters: Sendable {
        let succeeded = Mutex(0)
        let failed = Mutex(0)
    }

    final class Bucket: Sendable {
        struct State { var tokens: Double; var last: ContinuousClock.Instant }
        let rate: Double
        let state: Mutex<State>
        init(rate: Double) {
            self.rate = rate
            state = Mutex(State(tokens: rate, last: .now))
        }
        func take() -> Bool {
            state.withLock { state in
                let now = ContinuousClock.now
                state.tokens = min(rate, state.tokens + (now - state.last).timeInterval * rate)
                state.last = now
                guard state.tokens >= 1 else { return false }
                state.tokens -= 1
                return true
            }
        }
    }

    @Test(.timeLimit(.minutes(3))) func callsPerMinuteUnderThrottling() async throws {
        let rate = Double(ProcessInfo.processInfo.environment["NAVARCH_THROTTLE_RATE"] ?? "") ?? 2
        let seconds = Double(ProcessInfo.processInfo.environment["NAVARCH_THROTTLE_SECONDS"] ?? "") ?? 60
        let callers = 4
        let bucket = Bucket(rate: rate)
        let server = try await FakeHTTPServer.start { _ in
            guard bucket.take() else {
                return .text(503, "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors></Response>", contentType: "text/xml")
            }
            return .text(200, "<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>", contentType: "text/xml")
        }
        defer { Task { await server.stop() } }
        var settings = EC2Settings()
        settings.endpoint = server.baseURL
        settings.imageID = "ami-12345678"
        let calls = ProviderCallLog()
        let aws = try EC2Provider(
            settings: settings, credentials: AWSCredentialProvider(source: .key(AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s"))),
            calls: calls)
        let counters = Counters()
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<callers {
                group.addTask {
                    while ContinuousClock.now - start < .seconds(seconds) {
                        do { _ = try await aws.list(); counters.succeeded.withLock { $0 += 1 } } catch { counters.failed.withLock { $0 += 1 } }
                    }
                }
            }
        }
        let minutes = (ContinuousClock.now - start).timeInterval / 60
        let entry = try #require(calls.snapshot.first)
        let perMinute = { (count: Int) in String(format: "%.0f", Double(count) / minutes) }
        print("""
            throttling benchmark: \(callers) callers for \(String(format: "%.0f", minutes * 60)) s against an endpoint allowing \(rate) request(s)/s
              requests sent:      \(entry.attempts) (\(perMinute(entry.attempts))/min; the endpoint allows \(Int(rate * 60))/min)
              throttled answers:  \(entry.failures["throttled"] ?? 0) (\(perMinute(entry.failures["throttled"] ?? 0))/min)
              calls completed:    \(counters.succeeded.withLock { $0 }) (\(perMinute(counters.succeeded.withLock { $0 }))/min)
              calls given up:     \(counters.failed.withLock { $0 })
            """)
        #expect(counters.failed.withLock { $0 } == 0)
    }
}
