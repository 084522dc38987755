/// Where the AWS provider gets its access key.
public enum AWSCredentialSource: Sendable, Equatable {
    /// A key given directly.
    case key(AWSCredentials)
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.
    case environment
    /// A profile of `~/.aws/credentials` (or `AWS_SHARED_CREDENTIALS_FILE`).
    case profile(String)
    /// The instance role, through the instance metadata service (IMDSv2).
    case instanceRole
}
