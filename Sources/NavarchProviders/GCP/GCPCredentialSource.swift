/// Where the GCP provider's access tokens come from.
public enum GCPCredentialSource: Sendable {
    /// A service-account key: a signed JWT traded at the token endpoint.
    case serviceAccount(GCPServiceAccountKey)
    /// The metadata server's token for the service account attached to the machine the
    /// control plane runs on.
    case metadataServer
}
