/// What the GCP provider creates and where (`providers.gcp` in navarch.yaml).
public struct GCPSettings: Sendable, Equatable {
    /// The project machines are created in.
    public var project = ""
    /// Zones to create in, tried in order: a capacity error moves to the next zone, and zones
    /// of several regions give region failover.
    public var zones: [String] = []
    /// The Compute Engine API base URL, up to and including the version.
    public var endpoint = "https://compute.googleapis.com/compute/v1"
    /// Where a service-account key's tokens are minted; nil: the key file's `token_uri`.
    public var tokenEndpoint: String?
    /// The metadata server, for the attached service account's token when running on GCP.
    public var metadataEndpoint = "http://metadata.google.internal"
    /// The boot image: a GPU-ready image with the NVIDIA driver, as a URL or
    /// `projects/P/global/images/NAME` or `.../family/F`.
    public var image = ""
    public var bootDiskGB = 200
    /// The VPC network and subnetwork (names or URLs); default the project's `default` network.
    public var network: String?
    public var subnetwork: String?
    /// Give the machines an external address.
    public var externalIP = true
    /// The service account the machines run as (email); none when nil.
    public var serviceAccount: String?
    /// The login user of the image, for `navarch ssh`.
    public var sshUser = "ubuntu"
    /// A compact placement policy (resource policy name) for `placement: cluster` pools.
    public var placementPolicy: String?
    /// Spot instead of on-demand.
    public var spot = false
    /// How often a zone operation is polled until it is DONE.
    public var operationPollInterval: Duration = .seconds(2)
    /// How long an operation may take before the provision fails.
    public var operationTimeout: Duration = .seconds(600)
    /// Instances per page of `aggregated/instances` (the API allows at most 500).
    public var listPageSize = 500

    public init() {}

    /// Checks what the API will need, naming what is missing.
    public func validate() throws(ProviderConfigurationError) {
        guard !project.isEmpty else {
            throw ProviderConfigurationError(provider: "gcp", "no project: set providers.gcp.project or store it with `navarch config set-credentials gcp --project P`")
        }
        guard !zones.isEmpty else {
            throw ProviderConfigurationError(provider: "gcp", "providers.gcp.zones is required: the zones to create machines in (us-central1-a, ...)")
        }
        guard !image.isEmpty else {
            throw ProviderConfigurationError(provider: "gcp", "providers.gcp.image is required: the boot image (one with the NVIDIA driver)")
        }
        for zone in zones where zone.split(separator: "-").count != 3 {
            throw ProviderConfigurationError(provider: "gcp", "providers.gcp.zones: '\(zone)' is not a zone name like us-central1-a")
        }
    }

    /// `us-central1` for `us-central1-a`.
    public static func region(ofZone zone: String) -> String {
        zone.split(separator: "-").dropLast().joined(separator: "-")
    }
}
