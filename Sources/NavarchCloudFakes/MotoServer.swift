import Foundation
import NavarchCore
import NavarchProcess
#if canImport(Glibc)
import Glibc
#endif

/// `moto_server` (the AWS API emulator from PyPI's `moto[server]`) started on a free loopback
/// port with signature checking and instance-type validation on, and an IAM user whose key
/// the AWS provider signs with.
public final class MotoServer: Sendable {
    public let endpoint: String
    public let accessKeyID: String
    public let secretAccessKey: String
    /// The watchdog shell that runs moto and stops it when this process ends.
    private let pid: pid_t

    private init(endpoint: String, accessKeyID: String, secretAccessKey: String, pid: pid_t) {
        self.endpoint = endpoint
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.pid = pid
    }

    /// Runs moto under a shell that stops it when the test process is gone, so that no
    /// emulator outlives the tests.
    static let watchdog = """
        "$1" -m moto.server -H 127.0.0.1 -p "$2" & child=$!
        trap 'kill "$child" 2>/dev/null; wait "$child"; exit 0' TERM INT
        while kill -0 "$PPID" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
        kill "$child" 2>/dev/null
        wait "$child"
        """

    /// Why moto cannot be started here, or `nil` when it can. `NAVARCH_MOTO_PYTHON` names the
    /// Python that has `moto[server]` and boto3 (`scripts/test.sh` installs them).
    public static var unavailableReason: String? {
        guard let python = ProcessInfo.processInfo.environment["NAVARCH_MOTO_PYTHON"], !python.isEmpty else {
            return "NAVARCH_MOTO_PYTHON is not set (scripts/test.sh installs moto[server] and sets it)"
        }
        guard FileManager.default.isExecutableFile(atPath: python) else { return "NAVARCH_MOTO_PYTHON=\(python) is not executable" }
        return nil
    }

    /// Starts moto and creates an IAM user with an access key allowed everything. The first
    /// three requests (the user, its policy, its key) are the only unsigned ones moto accepts.
    public static func start(logPath: String) async throws -> MotoServer {
        if let reason = unavailableReason { throw FakeServerError(reason) }
        let python = ProcessInfo.processInfo.environment["NAVARCH_MOTO_PYTHON"]!
        let port = try FreePort.pick()
        var environment = ProcessInfo.processInfo.environment
        environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
        environment["MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION"] = "true"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let pid = try await ProcessSpawner.spawn(
            ["/bin/sh", "-c", watchdog, "moto", python, "\(port)"], stdout: logPath, stderr: logPath, environment: environment)
        let endpoint = "http://127.0.0.1:\(port)"
        let deadline = ContinuousClock.now + .seconds(60)
        while !FreePort.isListening(port) {
            guard waitpid(pid, nil, WNOHANG) == 0 else { throw FakeServerError("moto_server exited; see \(logPath)") }
            guard ContinuousClock.now < deadline else {
                Self.stop(pid)
                throw FakeServerError("moto_server did not listen within 60 s; see \(logPath)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let script = """
            import boto3, json, sys
            iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                               aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
            iam.create_user(UserName="navarch")
            iam.put_user_policy(UserName="navarch", PolicyName="all", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
            key = iam.create_access_key(UserName="navarch")["AccessKey"]
            print("KEY", key["AccessKeyId"], key["SecretAccessKey"])
            """
        let (status, output) = try await ChildScript.run([python, "-c", script, endpoint], timeout: .seconds(120))
        let parts = output.split(separator: "\n").last { $0.hasPrefix("KEY ") }?.split(separator: " ").map(String.init) ?? []
        guard status == 0, parts.count == 3 else {
            Self.stop(pid)
            throw FakeServerError("creating moto's IAM user failed (exit \(status)): \(output.suffix(500))")
        }
        let (accessKeyID, secretAccessKey) = (parts[1], parts[2])
        return MotoServer(endpoint: endpoint, accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, pid: pid)
    }

    /// Stops moto.
    public func stop() { Self.stop(pid) }

    private static func stop(_ pid: pid_t) {
        guard kill(pid, 0) == 0 else { return }
        kill(pid, SIGTERM)
        _ = waitpid(pid, nil, 0)
    }

    deinit { stop() }
}
