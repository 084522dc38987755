import Testing
import Synchronization
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NavarchCloudFakes
import NavarchClient
import NavarchCore
import NavarchProcess
import NavarchProviders
import NavarchTesting
#if canImport(Glibc)
import Glibc
#endif

/// Where the built executables are: `NAVARCH_BIN_DIR`, else beside the test bundle.
enum Binaries {
    static var directory: String {
        if let dir = ProcessInfo.processInfo.environment["NAVARCH_BIN_DIR"], !dir.isEmpty { return dir }
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: me).deletingLastPathComponent()
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("navarch").path) {
            url = url.deletingLastPathComponent()
        }
        return url.path
    }

    static var navarch: String { directory + "/navarch" }

    static func require() throws {
        guard FileManager.default.isExecutableFile(atPath: navarch) else {
            throw NavarchError(.failedPrecondition, "\(navarch) is missing: build the executables first (`swift build`), as scripts/test.sh does")
        }
    }
}

/// The output of a finished command.
struct CommandResult: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// A child process started with posix_spawn and reaped with waitpid, so that its exit is seen
/// at once (no run loop involved).
struct ChildProcess: Sendable {
    let pid: pid_t

    /// Starts `path ARGS` with stdin from /dev/null and stdout/stderr to the given files.
    /// `environment` is added to this process's environment.
    static func spawn(_ path: String, _ arguments: [String], stdout: String, stderr: String, environment: [String: String] = [:]) async throws -> ChildProcess {
        let merged = environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        return ChildProcess(pid: try await ProcessSpawner.spawn([path] + arguments, stdout: stdout, stderr: stderr, environment: merged))
    }

    /// The exit status once the process has ended, or nil while it runs. Reaps it.
    func exitStatus() -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return nil }
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    /// Waits for the end and returns the exit status.
    func wait(timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatus() { return status }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(pid, SIGKILL)
        throw NavarchError(.internal, "process \(pid) did not finish within \(timeout)")
    }
}

/// Runs `navarch ARGS` to completion.
func navarch(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)) async throws -> CommandResult {
    try Binaries.require()
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("navarch-cli-\(UUID().uuidString)").path
    defer {
        try? FileManager.default.removeItem(atPath: base + ".out")
        try? FileManager.default.removeItem(atPath: base + ".err")
    }
    // A command aimed at a test's control plane (`--server ADDRESS`) trusts and authenticates
    // to it as its local user would.
    var environment = environment
    if let index = arguments.firstIndex(of: "--server"), index + 1 < arguments.count {
        environment = ServeProcess.clientEnvironment(arguments[index + 1]).merging(environment) { _, given in given }
    }
    let child = try await ChildProcess.spawn(Binaries.navarch, arguments, stdout: base + ".out", stderr: base + ".err", environment: environment)
    let status = try await child.wait(timeout: timeout)
    let stdout = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
    return CommandResult(status: status, stdout: stdout, stderr: stderr)
}

/// A free TCP port on loopback.
func freePort() throws -> Int { try FreePort.pick() }

/// A `navarch serve` process on its own data directory and ports.
final class ServeProcess: @unchecked Sendable {
    // Safe to share: every field is immutable except `child` and `exited`, which only the owning test touches.
    let dataDirectory: String
    let grpcPort: Int
    let httpPort: Int
    let logPath: String
    /// Whether it serves TLS (its own CA); plaintext (`--insecure`) otherwise.
    let tls: Bool
    private var child: ChildProcess?
    private var exited: Int32?

    private static let environments = Mutex<[String: [String: String]]>([:])

    /// The environment a CLI command aimed at `server` runs with: the CA and admin token of
    /// the test control plane there.
    static func clientEnvironment(_ server: String) -> [String: String] {
        environments.withLock { $0[server] } ?? [:]
    }

    init(dataDirectory: String? = nil, grpcPort: Int? = nil, httpPort: Int? = nil, tls: Bool = false) throws {
        self.tls = tls
        self.dataDirectory = dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("navarch-e2e-\(UUID().uuidString)").path
        self.grpcPort = try grpcPort ?? freePort()
        self.httpPort = try httpPort ?? freePort()
        self.logPath = self.dataDirectory + "-serve.log"
    }

    var server: String { "127.0.0.1:\(grpcPort)" }

    /// The admin token its first start wrote.
    var adminToken: String? {
        (try? String(contentsOfFile: dataDirectory + "/admin.token", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// How a test client calls it as the admin.
    var security: ClientSecurity {
        ClientSecurity(trust: tls ? .caFile(dataDirectory + "/tls/ca.pem") : .plaintext, credential: adminToken)
    }

    /// The secret parts of every credential under its data directory now: the admin token,
    /// each local machine's join token and node credential.
    func secrets() -> [String] {
        let manager = FileManager.default
        let files = (manager.enumerator(atPath: dataDirectory)?.allObjects as? [String] ?? [])
            .filter { ["admin.token", "credential", "join-token"].contains(($0 as NSString).lastPathComponent) }
        return files.compactMap { try? String(contentsOfFile: dataDirectory + "/" + $0, encoding: .utf8) }
            .compactMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").last.map(String.init) }
            .filter { $0.count >= 16 }
    }

    /// Every log it and its local machines wrote.
    func logs() -> String {
        let manager = FileManager.default
        let agentLogs = (manager.enumerator(atPath: dataDirectory)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".log") }
        return ([logPath] + agentLogs.map { dataDirectory + "/" + $0 })
            .compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.joined(separator: "\n")
    }

    /// `https://…` or `http://…` of its HTTP API.
    var httpURL: String { "\(tls ? "https" : "http")://127.0.0.1:\(httpPort)" }

    /// A request to its HTTP API as the admin.
    func request(_ path: String) throws -> URLRequest {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(httpPort)\(path)")))
        if let adminToken { request.setValue("Bearer \(adminToken)", forHTTPHeaderField: "Authorization") }
        return request
    }

    /// Starts the control plane and waits until it answers.
    func start(extraArguments: [String] = [], environment: [String: String] = [:]) async throws {
        try Binaries.require()
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: logPath) { FileManager.default.createFile(atPath: logPath, contents: nil) }
        let child = try await ChildProcess.spawn(
            Binaries.navarch,
            [
                "serve", "--data-dir", dataDirectory, "--grpc-port", "\(grpcPort)", "--http-port", "\(httpPort)",
                "--heartbeat-interval", "1s",
            ] + (tls ? [] : ["--insecure"]) + extraArguments,
            stdout: logPath, stderr: logPath,
            // The admin token is shared through the test's own config folder, not the user's.
            environment: ["XDG_CONFIG_HOME": dataDirectory + "/config"].merging(environment) { _, given in given })
        self.child = child
        exited = nil
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let status = child.exitStatus() { throw NavarchError(.internal, "navarch serve exited with \(status): \(logTail())") }
            if adminToken != nil, (try? await NavarchClient.with(server: server, security: security, timeout: .seconds(1)) { try await $0.serverInfo() }) != nil {
                let client = tls ? ["NAVARCH_CA_FILE": dataDirectory + "/tls/ca.pem"] : ["NAVARCH_INSECURE": "1"]
                let environment = client.merging(["NAVARCH_TOKEN": adminToken ?? ""]) { a, _ in a }
                Self.environments.withLock { $0[server] = environment }
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw NavarchError(.internal, "navarch serve did not become ready: \(logTail())")
    }

    /// SIGKILL: no chance to clean up.
    func kill() async throws {
        guard let child else { return }
        Glibc.kill(child.pid, SIGKILL)
        exited = try await child.wait(timeout: .seconds(30))
    }

    /// SIGTERM and wait; returns the exit status.
    func stop() async throws -> Int32 {
        guard let child else { return 0 }
        if let exited { return exited }
        Glibc.kill(child.pid, SIGTERM)
        // A bound on a clean exit, not a speed: a loaded machine starts and stops these slowly.
        let status = try await child.wait(timeout: .seconds(60))
        exited = status
        return status
    }

    func logTail() -> String {
        String((try? String(contentsOfFile: logPath, encoding: .utf8))?.suffix(3000) ?? "")
    }

    /// Processes whose command line mentions this data directory (agents of its local provider).
    func leftoverProcesses() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return false }
            let commandLine = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return commandLine.contains(dataDirectory + "/") && !commandLine.contains(" serve ")
        }
    }

    /// Kills whatever a failed test left: the control plane and its agents.
    func cleanUp() {
        if let child, exited == nil, child.exitStatus() == nil {
            Glibc.kill(child.pid, SIGKILL)
            _ = waitpid(child.pid, nil, 0)
        }
        for pid in leftoverProcesses() { Glibc.kill(pid, SIGKILL) }
    }
}

/// Appends a line to a node's simulated kernel log.
func injectKernelLogLine(_ line: String, into path: String) throws {
    guard let handle = FileHandle(forWritingAtPath: path) else { throw NavarchError(.notFound, "no kernel log at \(path)") }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data((line + "\n").utf8))
    try handle.close()
}
