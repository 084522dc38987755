import Foundation
import NavarchCloudFakes
import Testing
import _CryptoExtras

/// `navarch config set-credentials`, `navarch config show` and `navarch catalog` as a user runs them.
struct ConfigAndCatalogCommandTests {
    func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "navarch-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path + "/.aws", withIntermediateDirectories: true)
        return path
    }

    @Test func credentialsAreCheckedStoredPrivatelyAndShownMasked() async throws {
        let home = try scratch()
        let store = home + "/credentials"
        try "[train]\naws_access_key_id = AKIATRAIN\naws_secret_access_key = s3cr3t\n".write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        let aws = try await navarch(["config", "set-credentials", "aws", "--profile", "train", "--credentials-dir", store], environment: ["HOME": home])
        #expect(aws.status == 0, "\(aws.stderr)")
        let missing = try await navarch(["config", "set-credentials", "aws", "--profile", "prod", "--credentials-dir", store], environment: ["HOME": home])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("aws: profile 'prod' is not in \(home)/.aws/credentials (profiles there: train)"))

        try "lambda-secret-key-0123456789-WXYZ\n".write(toFile: home + "/lambda.key", atomically: true, encoding: .utf8)
        let lambda = try await navarch(["config", "set-credentials", "lambda", "--api-key-file", home + "/lambda.key", "--credentials-dir", store])
        #expect(lambda.status == 0, "\(lambda.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: store + "/lambda.json")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let folderMode = try FileManager.default.attributesOfItem(atPath: store)[.posixPermissions] as? Int
        #expect(folderMode == 0o700)

        try #"{"type": "service_account", "client_email": "x@p.iam.gserviceaccount.com", "private_key": "not a key"}"#
            .write(toFile: home + "/gcp.json", atomically: true, encoding: .utf8)
        let gcp = try await navarch(["config", "set-credentials", "gcp", "--project", "p", "--key-file", home + "/gcp.json", "--credentials-dir", store])
        #expect(gcp.status != 0)
        #expect(gcp.stderr.contains("gcp: the service-account key's private_key is not an RSA key in PEM form"))

        let show = try await navarch(["config", "show", "--credentials-dir", store])
        #expect(show.status == 0)
        #expect(show.stdout.contains("  aws:\n    profile: train\n"))
        #expect(show.stdout.contains("  lambda:\n    api_key: ****WXYZ\n"))
        #expect(!show.stdout.contains("lambda-secret-key"))
        #expect(!show.stdout.contains("gcp"))

        // A credentials file others can read is refused, not used.
        chmod(store + "/lambda.json", 0o644)
        let open = try await navarch(["config", "show", "--credentials-dir", store])
        #expect(open.status != 0)
        #expect(open.stderr.contains("lambda: \(store)/lambda.json is readable by others (mode 644); run chmod 600 on it"))
    }

    @Test func serveStopsAtStartWhenACloudHasNoCredentials() async throws {
        let home = try scratch()
        try "providers:\n  aws:\n    image_id: ami-0abc\n".write(toFile: home + "/navarch.yaml", atomically: true, encoding: .utf8)
        let serve = try await navarch(
            ["serve", "--config", home + "/navarch.yaml", "--data-dir", home + "/data", "--grpc-port", "0", "--http-port", "0", "--credentials-dir", home + "/none"],
            environment: ["HOME": home, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""], timeout: .seconds(60))
        #expect(serve.status != 0)
        #expect(serve.stderr.contains("aws: no credentials: run `navarch config set-credentials aws --profile P`"))
    }

    @Test func serveStopsAtStartWhenGoogleRefusesTheStoredKey() async throws {
        let home = try scratch()
        let cloud = try FakeComputeEngine(capacity: [:])
        let base = try await cloud.start()
        defer { Task { await cloud.stop() } }
        // A well-formed key of the right account, signed with a key Google does not hold for it.
        let stranger = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        try cloud.serviceAccountKeyJSON(privateKeyPEM: stranger.pemRepresentation).write(to: URL(fileURLWithPath: home + "/key.json"))
        let stored = try await navarch(
            ["config", "set-credentials", "gcp", "--project", "navarch-test", "--key-file", home + "/key.json", "--credentials-dir", home + "/creds"])
        #expect(stored.status == 0, "\(stored.stderr)")
        try """
            providers:
              gcp:
                zones: [us-central1-a]
                image: projects/p/global/images/family/gpu
                endpoint: \(base)/compute/v1
            """.write(toFile: home + "/navarch.yaml", atomically: true, encoding: .utf8)
        let serve = try await navarch(
            ["serve", "--config", home + "/navarch.yaml", "--data-dir", home + "/data", "--grpc-port", "0", "--http-port", "0", "--credentials-dir", home + "/creds"],
            environment: ["HOME": home, "GOOGLE_APPLICATION_CREDENTIALS": ""], timeout: .seconds(60))
        #expect(serve.status != 0)
        #expect(serve.stderr.contains("gcp: the credentials were refused: invalid_grant: Invalid JWT Signature."), "\(serve.stderr)")
        #expect(cloud.requests.contains { $0.path == "/token" })
    }

    @Test func serveStopsAtStartWhenEntraIDRefusesTheStoredSecret() async throws {
        let home = try scratch()
        let cloud = FakeAzureResourceManager(capacity: [:])
        let base = try await cloud.start()
        defer { Task { await cloud.stop() } }
        try "wrong-secret\n".write(toFile: home + "/secret", atomically: true, encoding: .utf8)
        try "ssh-ed25519 AAAAC3Nza navarch\n".write(toFile: home + "/id.pub", atomically: true, encoding: .utf8)
        let stored = try await navarch([
            "config", "set-credentials", "azure", "--tenant", cloud.tenantID, "--client-id", cloud.clientID, "--client-secret-file", home + "/secret",
            "--subscription", cloud.subscriptionID, "--credentials-dir", home + "/creds",
        ])
        #expect(stored.status == 0, "\(stored.stderr)")
        try """
            providers:
              azure:
                resource_group: \(cloud.resourceGroup)
                location: \(cloud.location)
                image: microsoft-dsvm:ubuntu-hpc:2204:latest
                subnet_id: \(cloud.subnetID)
                ssh_public_key: \(home)/id.pub
                endpoint: \(base)
                authority: \(base)
            """.write(toFile: home + "/navarch.yaml", atomically: true, encoding: .utf8)
        let serve = try await navarch(
            ["serve", "--config", home + "/navarch.yaml", "--data-dir", home + "/data", "--grpc-port", "0", "--http-port", "0", "--credentials-dir", home + "/creds"],
            environment: ["HOME": home, "AZURE_CLIENT_SECRET": ""], timeout: .seconds(60))
        #expect(serve.status != 0)
        #expect(serve.stderr.contains("azure: the credentials were refused: invalid_client: AADSTS7000215: Invalid client secret provided."), "\(serve.stderr)")
        #expect(!serve.stderr.contains("wrong-secret"))
    }

    @Test func upRefusesPoolOptionsThatDoNotFitTogether() async throws {
        let fallback = try await navarch(["up", "--gpus", "8", "--type", "h100", "--name", "x", "--spot-fallback", "on-demand"])
        #expect(fallback.status != 0)
        #expect(fallback.stderr.contains("spot_fallback 'on-demand' needs spot: true"), "\(fallback.stderr)")
        let placement = try await navarch(["up", "--gpus", "8", "--type", "h100", "--name", "x", "--placement", "spread"])
        #expect(placement.status != 0)
        #expect(placement.stderr.contains("placement must be 'cluster' or 'none', got 'spread'"), "\(placement.stderr)")
    }

    @Test func theCatalogListsEachProvidersMachines() async throws {
        let table = try await navarch(["catalog", "--type", "h100"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("TYPE"))
        for machine in ["p5.48xlarge", "a3-highgpu-8g", "Standard_ND96isr_H100_v5", "gpu_8x_h100_sxm5"] {
            #expect(table.stdout.contains(machine), "\(machine)")
        }
        #expect(!table.stdout.contains("p4d.24xlarge"))
        let json = try await navarch(["catalog", "--provider", "aws", "-o", "json"])
        let offerings = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(offerings.count == 9)
        #expect(offerings.allSatisfy { $0["provider"] as? String == "aws" && ($0["priceSource"] as? String)?.hasPrefix("https://") == true })
        let bad = try await navarch(["catalog", "--provider", "oracle"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("unknown provider 'oracle'"))
    }
}
