import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import NavarchCore

/// How a client reaches the control plane: over TLS trusting a CA file (the control plane's
/// own, by default) or the system's roots, or in plaintext when told to (`--insecure`), and
/// with which bearer credential.
public struct ClientSecurity: Sendable {
    public enum Trust: Sendable, Equatable {
        /// TLS, trusting the certificates in this PEM file.
        case caFile(String)
        /// TLS, trusting the system's roots.
        case system
        /// No TLS.
        case plaintext
    }

    public var trust: Trust
    /// The bearer credential sent with every call: a token (`nvt1.…`) or a node credential.
    public var credential: String?
    /// A client certificate and its key (PEM files), for a control plane that asks for one
    /// (`tls.client_ca_file`).
    public var clientCertificate: (certificate: String, key: String)?

    public init(trust: Trust, credential: String? = nil, clientCertificate: (certificate: String, key: String)? = nil) {
        self.trust = trust
        self.credential = credential
        self.clientCertificate = clientCertificate
    }

    /// Plaintext, no credential: for tests and `--insecure` control planes.
    public static let insecure = ClientSecurity(trust: .plaintext)

    /// The gRPC transport security for this trust.
    public func transportSecurity() throws -> HTTP2ClientTransport.Posix.TransportSecurity {
        switch trust {
        case .plaintext:
            return .plaintext
        case .system:
            return .tls { config in presentCertificate(&config) }
        case .caFile(let path):
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw NavarchError.invalidArgument("the CA file \(path) cannot be read (--ca-file or NAVARCH_CA_FILE; --insecure for a plaintext control plane)")
            }
            return .tls { config in
                config.trustRoots = .certificates([.file(path: path, format: .pem)])
                presentCertificate(&config)
            }
        }
    }

    private func presentCertificate(_ config: inout HTTP2ClientTransport.Posix.TransportSecurity.TLS) {
        guard let clientCertificate else { return }
        config.certificateChain = [.file(path: clientCertificate.certificate, format: .pem)]
        config.privateKey = .file(path: clientCertificate.key, format: .pem)
    }

    /// A transport to `host:port` with this security.
    /// An address literal is dialled as one: TLS then checks the certificate's IP names
    /// (a name goes out as SNI, and an address may not).
    public func transport(host: String, port: Int) throws -> HTTP2ClientTransport.Posix {
        let target: any ResolvableTarget =
            if host.split(separator: ".").count == 4 && host.allSatisfy({ $0.isNumber || $0 == "." }) { .ipv4(address: host, port: port) }
            else if host.contains(":") { .ipv6(address: host, port: port) }
            else { .dns(host: host, port: port) }
        return try HTTP2ClientTransport.Posix(target: target, transportSecurity: transportSecurity())
    }

    /// The interceptors that carry the credential.
    public var interceptors: [any ClientInterceptor] {
        guard let credential, !credential.isEmpty else { return [] }
        return [BearerInterceptor { credential }]
    }
}

/// Adds `authorization: Bearer CREDENTIAL` to every call, reading the credential each time (an
/// agent's changes when it registers).
public struct BearerInterceptor: ClientInterceptor {
    let credential: @Sendable () -> String?

    public init(credential: @escaping @Sendable () -> String?) {
        self.credential = credential
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>,
        context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        var request = request
        if let credential = credential(), !credential.isEmpty {
            request.metadata.replaceOrAddString("Bearer \(credential)", forKey: "authorization")
        }
        return try await next(request, context)
    }
}
