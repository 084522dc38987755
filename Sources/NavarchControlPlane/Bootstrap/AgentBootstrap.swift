/// The cloud-init user data that turns a fresh cloud machine into a Navarch node: it fetches
/// the `navarch-node` binary, checks its SHA-256, installs it with a systemd unit configured
/// with the control plane's address and the instance's single-use join token, and starts it.
public struct AgentBootstrap: Sendable, Equatable {
    /// Where the machine downloads the agent (the control plane's `GET /v1/agent/navarch-node`
    /// or a configured mirror).
    public var agentURL: String
    /// The binary's SHA-256, hex.
    public var agentSHA256: String
    /// `host:port` of the control plane's gRPC API, as the machine reaches it.
    public var controlPlaneAddress: String
    public var nodeID: String
    public var instanceID: String
    public var pool: String
    public var joinToken: String
    /// The CA the agent trusts the control plane by (PEM); empty when it serves plaintext.
    public var caCertificatePEM: String
    /// More `navarch-node` arguments (`--backend nvml` by default).
    public var agentArguments: [String]

    /// Where the script puts things on the machine.
    public static let binaryPath = "/usr/local/bin/navarch-node"
    public static let unitPath = "/etc/systemd/system/navarch-node.service"
    public static let tokenPath = "/etc/navarch/join-token"
    public static let caPath = "/etc/navarch/ca.pem"
    public static let credentialPath = "/var/lib/navarch/credential"
    public static let scriptPath = "/var/lib/navarch/bootstrap.sh"

    public init(
        agentURL: String, agentSHA256: String, controlPlaneAddress: String, nodeID: String, instanceID: String, pool: String,
        joinToken: String, caCertificatePEM: String = "", agentArguments: [String] = ["--backend", "nvml"]
    ) {
        self.agentURL = agentURL
        self.agentSHA256 = agentSHA256
        self.controlPlaneAddress = controlPlaneAddress
        self.nodeID = nodeID
        self.instanceID = instanceID
        self.pool = pool
        self.joinToken = joinToken
        self.caCertificatePEM = caCertificatePEM
        self.agentArguments = agentArguments
    }

    /// The `#cloud-config` document: the script as a file, and a command that runs it.
    public func userData() -> String {
        let indented = script().split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "      " + $0 }
        return """
            #cloud-config
            # Navarch: installs and starts the node agent for \(nodeID) (instance \(instanceID), pool \(pool)).
            write_files:
              - path: \(Self.scriptPath)
                owner: root:root
                permissions: '0700'
                content: |
            \(indented.joined(separator: "\n"))
            runcmd:
              - [sh, \(Self.scriptPath)]

            """
    }

    /// The unit's command line.
    var execStart: String {
        ([Self.binaryPath, "--control-plane", controlPlaneAddress, "--node-id", nodeID, "--instance-id", instanceID, "--pool", pool,
          "--join-token-file", Self.tokenPath, "--credential-file", Self.credentialPath]
            + (caCertificatePEM.isEmpty ? ["--insecure"] : ["--ca-file", Self.caPath]) + agentArguments)
            .map(Self.systemdQuoted).joined(separator: " ")
    }

    /// The installer. `NAVARCH_ROOT` installs under another root and starts nothing (for tests).
    public func script() -> String {
        """
        #!/bin/sh
        # Installs and starts the Navarch node agent. Written by the control plane for this instance.
        set -eu
        root="${NAVARCH_ROOT:-}"
        url=\(Self.shellQuoted(agentURL))
        sha256=\(Self.shellQuoted(agentSHA256))
        mkdir -p "$root/usr/local/bin" "$root/etc/navarch" "$root/etc/systemd/system" "$root/var/lib/navarch"
        \(caCertificatePEM.isEmpty ? "ca=" : "printf '%s' \(Self.shellQuoted(caCertificatePEM)) > \"$root\(Self.caPath)\"\nca=\"$root\(Self.caPath)\"")
        download="$root\(Self.binaryPath).download"
        attempt=1
        while :; do
          if command -v curl >/dev/null 2>&1; then
            curl -fsSL --connect-timeout 10 --max-time 300 ${ca:+--cacert "$ca"} -o "$download" "$url" && break
          else
            wget -q -T 30 ${ca:+--ca-certificate="$ca"} -O "$download" "$url" && break
          fi
          if [ "$attempt" -ge 10 ]; then echo "navarch: cannot download $url" >&2; exit 1; fi
          attempt=$((attempt + 1))
          sleep 3
        done
        if ! echo "$sha256  $download" | sha256sum -c - >/dev/null 2>&1; then
          echo "navarch: $url does not have SHA-256 $sha256; not installing it" >&2
          rm -f "$download"
          exit 1
        fi
        chmod 0755 "$download"
        mv "$download" "$root\(Self.binaryPath)"
        (umask 077 && printf '%s\\n' \(Self.shellQuoted(joinToken)) > "$root\(Self.tokenPath)")
        cat > "$root\(Self.unitPath)" <<'NAVARCH_UNIT'
        [Unit]
        Description=Navarch node agent
        After=network-online.target
        Wants=network-online.target

        [Service]
        ExecStart=\(execStart)
        Restart=always
        RestartSec=5

        [Install]
        WantedBy=multi-user.target
        NAVARCH_UNIT
        chmod 0644 "$root\(Self.unitPath)"
        if [ -z "$root" ]; then
          systemctl daemon-reload
          systemctl enable --now navarch-node.service
        fi
        echo "navarch: node agent installed"
        """
    }

    /// `'text'` for sh, with embedded single quotes escaped.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A systemd command-line word: plain when safe, double-quoted otherwise.
    static func systemdQuoted(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=,@+".contains($0) }
        if safe && !word.isEmpty { return word }
        let escaped = word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "%", with: "%%").replacingOccurrences(of: "$", with: "$$")
        return "\"" + escaped + "\""
    }
}
