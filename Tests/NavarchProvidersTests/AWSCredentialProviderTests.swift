import Foundation
import NavarchCloudFakes
import NavarchCore
import NavarchProviders
import NavarchTesting
import Testing

struct AWSCredentialProviderTests {
    func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "navarch-aws-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path + "/.aws", withIntermediateDirectories: true)
        return path
    }

    @Test func aProfileIsReadFromTheSharedFiles() async throws {
        let home = try scratch()
        try """
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key = default-secret

            # training account
            [train]
            aws_access_key_id=AKIATRAIN
            aws_secret_access_key=train-secret
            aws_session_token = token-1
            """.write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        try "[profile train]\nregion = us-west-2\n".write(toFile: home + "/.aws/config", atomically: true, encoding: .utf8)
        let provider = AWSCredentialProvider(source: .profile("train"), environment: ["HOME": home])
        #expect(try await provider.credentials() == AWSCredentials(accessKeyID: "AKIATRAIN", secretAccessKey: "train-secret", sessionToken: "token-1"))
        #expect(AWSCredentialProvider.profileRegion("train", environment: ["HOME": home]) == "us-west-2")

        let missing = AWSCredentialProvider(source: .profile("prod"), environment: ["HOME": home])
        let error = try await #require(throws: ProviderConfigurationError.self) { try await missing.credentials() }
        #expect(error.description == "aws: profile 'prod' is not in \(home)/.aws/credentials (profiles there: default, train)")
    }

    @Test func theEnvironmentNeedsBothHalvesOfTheKey() async throws {
        let half = AWSCredentialProvider(source: .environment, environment: ["AWS_ACCESS_KEY_ID": "AKIA"])
        let error = try await #require(throws: ProviderConfigurationError.self) { try await half.credentials() }
        #expect(error.description == "aws: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        let whole = AWSCredentialProvider(source: .environment, environment: ["AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"])
        #expect(try await whole.credentials().accessKeyID == "AKIA")
    }

    /// IMDSv2 as EC2 documents it: a session token from a PUT, required on every GET.
    @Test(.timeLimit(.minutes(1))) func theInstanceRoleIsReadThroughIMDSv2AndRefreshedBeforeItExpires() async throws {
        let clock = ManualClock(start: Date(timeIntervalSince1970: 1_900_000_000))
        let expiry = Date(timeIntervalSince1970: 1_900_000_000 + 3600)
        let server = try await FakeHTTPServer.start { request in
            if request.method == "PUT" && request.path == "/latest/api/token" {
                guard request.header("x-aws-ec2-metadata-token-ttl-seconds") != nil else { return .text(400, "") }
                return .text(200, "session-token")
            }
            guard request.header("x-aws-ec2-metadata-token") == "session-token" else { return .text(401, "") }
            switch request.path {
            case "/latest/meta-data/iam/security-credentials/": return .text(200, "gpu-node-role")
            case "/latest/meta-data/iam/security-credentials/gpu-node-role":
                return .json(200, [
                    "Code": "Success", "AccessKeyId": "ASIAROLE", "SecretAccessKey": "role-secret", "Token": "role-token",
                    "Expiration": ISO8601DateFormatter().string(from: expiry),
                ])
            default: return .text(404, "")
            }
        }
        defer { Task { await server.stop() } }
        let provider = AWSCredentialProvider(source: .instanceRole, metadataEndpoint: server.baseURL, clock: clock)
        #expect(try await provider.credentials() == AWSCredentials(accessKeyID: "ASIAROLE", secretAccessKey: "role-secret", sessionToken: "role-token"))
        // Token, role name, credentials (more if a slow answer was retried).
        let first = server.requests.count
        #expect(first >= 3)
        _ = try await provider.credentials()
        #expect(server.requests.count == first, "cached while far from expiry")
        clock.advance(by: .seconds(3400))
        _ = try await provider.credentials()
        #expect(server.requests.count >= first + 3, "refreshed 5 minutes before expiry")
    }
}

