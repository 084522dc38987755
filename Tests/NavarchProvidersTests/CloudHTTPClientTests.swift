import Foundation
import Logging
import NavarchCloudFakes
import NavarchCore
import NavarchProviders
import Synchronization
import Testing

/// Retries, timeouts and error typing of provider calls, against a real HTTP server that
/// answers what each test scripts.
struct CloudHTTPClientTests {
    static let emptyDescribe = """
        <?xml version="1.0" encoding="UTF-8"?>
        <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><reservationSet/></DescribeInstancesResponse>
        """

    static func ec2Error(_ code: String, _ message: String) -> String {
        "<?xml version=\"1.0\"?><Response><Errors><Error><Code>\(code)</Code><Message>\(message)</Message></Error></Errors><RequestID>x</RequestID></Response>"
    }

    func provider(endpoint: String, calls: ProviderCallLog, retry: RetryPolicy, timeout: Duration = .seconds(5)) throws -> EC2Provider {
        var settings = EC2Settings()
        settings.endpoint = endpoint
        settings.imageID = "ami-12345678"
        return try EC2Provider(
            settings: settings, credentials: AWSCredentialProvider(source: .key(AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret"))),
            calls: calls, retry: retry, timeout: timeout)
    }

    @Test func throttlingIsRetriedUntilItPasses() async throws {
        let answered = Mutex(0)
        let server = try await FakeHTTPServer.start { _ in
            let count = answered.withLock { $0 += 1; return $0 }
            if count <= 2 { return .text(503, Self.ec2Error("RequestLimitExceeded", "Request limit exceeded."), contentType: "text/xml") }
            return .text(200, Self.emptyDescribe, contentType: "text/xml")
        }
        defer { Task { await server.stop() } }
        let calls = ProviderCallLog()
        let aws = try provider(endpoint: server.baseURL, calls: calls, retry: RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(5)))
        #expect(try await aws.list().isEmpty)
        let entry = try #require(calls.snapshot.first)
        #expect(entry.operation == "DescribeInstances")
        #expect(entry.attempts == 3)
        #expect(entry.retries == 2)
        #expect(entry.failures == ["throttled": 2])
        // Every attempt was signed afresh.
        #expect(server.requests.allSatisfy { $0.header("authorization")?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKID/") == true })
        #expect(server.requests.allSatisfy { $0.form["Action"] == "DescribeInstances" && $0.form["Version"] == "2016-11-15" })
    }

    @Test func aRequestThatWillNotChangeIsNotRetried() async throws {
        let server = try await FakeHTTPServer.start { _ in
            .text(400, Self.ec2Error("InvalidParameterValue", "Value (x) for parameter instanceType is invalid."), contentType: "text/xml")
        }
        defer { Task { await server.stop() } }
        let calls = ProviderCallLog()
        let aws = try provider(endpoint: server.baseURL, calls: calls, retry: RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(5)))
        let error = try await #require(throws: CloudAPIError.self) { try await aws.list() }
        #expect(error.kind == .invalidRequest)
        #expect(error.code == "InvalidParameterValue")
        #expect(error.message == "Value (x) for parameter instanceType is invalid.")
        #expect(server.requests.count == 1)
    }

    @Test func capacityErrorsAreTypedAndMoveToTheNextSubnet() async throws {
        let server = try await FakeHTTPServer.start { request in
            let form = request.form
            if form["Action"] == "DescribeInstances" { return .text(200, Self.emptyDescribe, contentType: "text/xml") }
            if form["SubnetId"] == "subnet-a" {
                return .text(500, Self.ec2Error("InsufficientInstanceCapacity", "We currently do not have sufficient p5.48xlarge capacity in the Availability Zone you requested (us-east-1a)."), contentType: "text/xml")
            }
            return .text(200, """
                <RunInstancesResponse><instancesSet><item><instanceId>i-0abc</instanceId><instanceState><name>pending</name></instanceState>\
                <placement><availabilityZone>us-east-1b</availabilityZone></placement><tagSet>\
                <item><key>navarch:instance-id</key><value>i-n1</value></item><item><key>navarch:pool</key><value>p</value></item>\
                </tagSet></item></instancesSet></RunInstancesResponse>
                """, contentType: "text/xml")
        }
        defer { Task { await server.stop() } }
        var settings = EC2Settings()
        settings.endpoint = server.baseURL
        settings.imageID = "ami-12345678"
        settings.subnetIDs = ["subnet-a", "subnet-b"]
        let aws = try EC2Provider(
            settings: settings, credentials: AWSCredentialProvider(source: .key(AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s"))),
            retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(5)))
        let machine = try await aws.provision(
            ProvisionRequest(instanceID: "i-n1", nodeID: "p-0", pool: "p", instanceType: try InstanceTypeCatalog.named("h100"), controlPlaneAddress: "x:1"))
        #expect(machine.providerInstanceID == "i-0abc")
        #expect(machine.zone == "us-east-1b")
        let runs = server.requests.filter { $0.form["Action"] == "RunInstances" }
        // A capacity error is not retried in the same subnet: it moves on.
        #expect(runs.map { $0.form["SubnetId"] } == ["subnet-a", "subnet-b"])
        #expect(runs.allSatisfy { $0.form["ClientToken"] == "i-n1" && $0.form["InstanceType"] == "p5.48xlarge" })
    }

    @Test func aCallWithNoAnswerTimesOutAndIsRetried() async throws {
        let server = try await FakeHTTPServer.start { _ in
            try? await Task.sleep(for: .seconds(3))
            return .text(200, Self.emptyDescribe)
        }
        defer { Task { await server.stop() } }
        let calls = ProviderCallLog()
        let aws = try provider(
            endpoint: server.baseURL, calls: calls, retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(5)), timeout: .milliseconds(300))
        let error = try await #require(throws: CloudAPIError.self) { try await aws.list() }
        #expect(error.kind == .transport)
        #expect(error.message.contains("within 300 ms"))
        #expect(calls.snapshot.first?.attempts == 2)
    }

    @Test func anUnreachableEndpointIsATransportError() async throws {
        let port = try FreePort.pick()
        let aws = try provider(endpoint: "http://127.0.0.1:\(port)", calls: ProviderCallLog(), retry: .none)
        let error = try await #require(throws: CloudAPIError.self) { try await aws.list() }
        #expect(error.kind == .transport)
        #expect(error.message.contains("127.0.0.1:\(port)"))
    }
}

/// The retry policy on its own: pure, with a seeded random source.
struct RetryPolicyTests {
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
    }

    func error(_ kind: CloudAPIError.Kind, retryAfter: Double? = nil) -> CloudAPIError {
        CloudAPIError(provider: "p", operation: "op", kind: kind, message: "m", retryAfterSeconds: retryAfter)
    }

    @Test func backoffGrowsWithinItsCeilingAndStopsAtTheLastAttempt() {
        let policy = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        var random = Seeded(state: 42)
        for attempt in 1...5 {
            let ceiling = min(1000, 100 << (attempt - 1))
            for _ in 0..<50 {
                let delay = policy.delay(afterAttempt: attempt, error: error(.throttled), idempotent: true, random: &random)
                #expect(delay != nil)
                #expect(delay!.milliseconds <= Int64(ceiling))
                #expect(delay!.milliseconds >= 0)
            }
        }
        #expect(policy.delay(afterAttempt: 6, error: error(.throttled), idempotent: true, random: &random) == nil)
    }

    @Test func jitterSpreadsTheWaits() {
        var random = Seeded(state: 7)
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .seconds(1), maxDelay: .seconds(10))
        let waits = Set((0..<20).compactMap { _ in policy.delay(afterAttempt: 3, error: error(.server), idempotent: true, random: &random)?.milliseconds })
        #expect(waits.count > 10)
    }

    @Test func whatIsRetried() {
        var random = Seeded(state: 1)
        let policy = RetryPolicy()
        for kind in [CloudAPIError.Kind.throttled, .server, .transport] {
            #expect(policy.delay(afterAttempt: 1, error: error(kind), idempotent: true, random: &random) != nil, "\(kind)")
        }
        for kind in [CloudAPIError.Kind.capacity, .authentication, .notFound, .invalidRequest, .malformedResponse] {
            #expect(policy.delay(afterAttempt: 1, error: error(kind), idempotent: true, random: &random) == nil, "\(kind)")
        }
        // A launch that is not idempotent is not sent again after a 5xx: it may have happened.
        #expect(policy.delay(afterAttempt: 1, error: error(.server), idempotent: false, random: &random) == nil)
        #expect(policy.delay(afterAttempt: 1, error: error(.throttled), idempotent: false, random: &random) != nil)
        #expect(RetryPolicy.none.delay(afterAttempt: 1, error: error(.throttled), idempotent: true, random: &random) == nil)
    }

    @Test func retryAfterIsHonouredUpToTheCap() {
        var random = Seeded(state: 3)
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(10), maxDelay: .seconds(5))
        #expect(policy.delay(afterAttempt: 1, error: error(.throttled, retryAfter: 2), idempotent: true, random: &random) == .seconds(2))
        #expect(policy.delay(afterAttempt: 1, error: error(.throttled, retryAfter: 60), idempotent: true, random: &random) == .seconds(5))
    }
}

/// The adaptive send rate on its own.
struct AdaptiveRateTests {
    @Test func unlimitedUntilThrottledThenSlowerThenBackToUnlimited() {
        var rate = AdaptiveRate()
        for i in 0..<10 { #expect(rate.reserve(now: Double(i) * 0.1) == 0) }
        #expect(rate.rate == nil)
        // Ten requests in the last second were throttled: 70% of that from now on.
        rate.throttled(now: 0.95)
        #expect(rate.rate == 7)
        let first = rate.reserve(now: 1.0)
        let second = rate.reserve(now: 1.0)
        #expect(first == 0)
        #expect(abs(second - 1.0 / 7) < 1e-9)
        rate.throttled(now: 1.1)
        #expect(abs(rate.rate! - 4.9) < 1e-9)
        for _ in 0..<10 { rate.throttled(now: 2) }
        #expect(rate.rate == 0.5)
        var successes = 0
        while rate.rate != nil && successes < 100_000 {
            rate.succeeded()
            successes += 1
        }
        #expect(rate.rate == nil)
        #expect(successes > 50)
    }
}
