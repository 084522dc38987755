/// What the AWS provider launches and where (`providers.aws` in navarch.yaml).
public struct EC2Settings: Sendable, Equatable {
    public var region = "us-east-1"
    /// The EC2 API base URL; default `https://ec2.<region>.amazonaws.com`.
    public var endpoint: String?
    /// The instance metadata service, for the instance-role credentials.
    public var metadataEndpoint = "http://169.254.169.254"
    /// The machine image (a GPU-ready AMI with the NVIDIA driver): `ami-...`, or
    /// `resolve:ssm:<parameter>` for one name that works in every region.
    public var imageID = ""
    /// Subnets to launch into, tried in order: each is in one availability zone, so a
    /// capacity error moves to the next zone.
    public var subnetIDs: [String] = []
    public var securityGroupIDs: [String] = []
    /// The EC2 key pair for `navarch ssh`.
    public var keyName: String?
    /// The login user of the image, for `navarch ssh`. Default `ubuntu`.
    public var sshUser = "ubuntu"
    /// The instance profile (IAM role) machines run with.
    public var instanceProfile: String?
    /// The cluster placement group machines of `placement: cluster` pools join.
    public var placementGroup: String?
    /// Spot instead of on-demand.
    public var spot = false

    public init() {}

    /// Checks what the API will need, naming what is missing.
    public func validate() throws(ProviderConfigurationError) {
        guard !imageID.isEmpty else {
            throw ProviderConfigurationError(provider: "aws", "providers.aws.image_id is required: the AMI to launch (one with the NVIDIA driver)")
        }
        // An AMI id, or a Systems Manager parameter EC2 resolves at launch (the same name in
        // every region, where AMI ids differ).
        guard imageID.hasPrefix("ami-") || imageID.hasPrefix("resolve:ssm:") else {
            throw ProviderConfigurationError(
                provider: "aws", "providers.aws.image_id '\(imageID)' is neither an AMI id (ami-...) nor a resolve:ssm: parameter")
        }
        guard !region.isEmpty else { throw ProviderConfigurationError(provider: "aws", "providers.aws.region must not be empty") }
    }
}
