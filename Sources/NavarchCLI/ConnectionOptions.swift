import ArgumentParser
import Foundation
import NavarchClient
import NavarchControlPlane

/// Where the control plane is and how to trust and authenticate to it. The CA defaults to the
/// one a control plane on this machine made (`~/.local/share/navarch/tls/ca.pem`); the token
/// to `NAVARCH_TOKEN`, then `~/.config/navarch/token`, then the admin token a control plane on
/// this machine wrote on its first start.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Control plane gRPC address, host:port (env NAVARCH_SERVER).")
    var server = ProcessInfo.processInfo.environment["NAVARCH_SERVER"] ?? "127.0.0.1:50051"

    @Option(name: .customLong("ca-file"), help: "CA certificate (PEM) to trust the control plane by (env NAVARCH_CA_FILE; default: the local control plane's, else the system's roots).")
    var caFile: String? = ProcessInfo.processInfo.environment["NAVARCH_CA_FILE"]

    @Flag(name: .customLong("insecure"), help: "Talk plaintext to a control plane started with --insecure (env NAVARCH_INSECURE=1).")
    var insecureFlag = false

    /// Plaintext: `--insecure` or `NAVARCH_INSECURE=1`.
    var insecure: Bool { insecureFlag || ProcessInfo.processInfo.environment["NAVARCH_INSECURE"] == "1" }

    @Option(name: .customLong("tls-cert"), help: "Client certificate (PEM) for a control plane that asks for one (env NAVARCH_TLS_CERT).")
    var tlsCert: String? = ProcessInfo.processInfo.environment["NAVARCH_TLS_CERT"]

    @Option(name: .customLong("tls-key"), help: "The client certificate's private key (PEM) (env NAVARCH_TLS_KEY).")
    var tlsKey: String? = ProcessInfo.processInfo.environment["NAVARCH_TLS_KEY"]

    @Option(name: .customLong("token-file"), help: "File holding the bearer token (env NAVARCH_TOKEN holds the token itself).")
    var tokenFile: String?

    func validate() throws {
        do { _ = try NavarchClient.parse(server) } catch { throw ValidationError("\(error)") }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    /// The trust and credential to use.
    func security() throws -> ClientSecurity {
        let environment = ProcessInfo.processInfo.environment
        let trust: ClientSecurity.Trust
        if insecure {
            trust = .plaintext
        } else if let caFile {
            trust = .caFile(caFile)
        } else {
            let local = ControlPlaneConfiguration.defaultDataDirectory + "/tls/ca.pem"
            trust = FileManager.default.isReadableFile(atPath: local) ? .caFile(local) : .system
        }
        let certificate = tlsCert.flatMap { cert in tlsKey.map { (certificate: cert, key: $0) } }
        return ClientSecurity(trust: trust, credential: try Self.token(file: tokenFile, environment: environment), clientCertificate: certificate)
    }

    /// The token: `--token-file`, `NAVARCH_TOKEN`, `~/.config/navarch/token`, or the local
    /// control plane's admin token; nil when none is found.
    static func token(file: String?, environment: [String: String]) throws -> String? {
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ValidationError("cannot read the token file \(file)") }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let token = environment["NAVARCH_TOKEN"], !token.isEmpty { return token }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let config = (environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config") + "/navarch/token"
        for path in [config, ControlPlaneConfiguration.defaultDataDirectory + "/admin.token"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) { return text.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        return nil
    }

    /// Connects to the control plane and runs `body`.
    func withClient<T: Sendable>(timeout: Duration = .seconds(15), _ body: (NavarchClient) async throws -> T) async throws -> T {
        try await NavarchClient.with(server: server, security: try security(), timeout: timeout, body)
    }
}
