/// Where a set of credentials was found, for `clusterctl aws check` and errors.
public enum CredentialSource: Sendable, Equatable, CustomStringConvertible {
    /// Passed in by code (tests, or a caller that got them elsewhere).
    case explicit
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.
    case environment
    /// A profile of the shared credentials file (`~/.aws/credentials`).
    case sharedCredentialsFile(path: String, profile: String)
    /// A profile of the shared config file (`~/.aws/config`).
    case configFile(path: String, profile: String)
    /// The EC2 instance metadata service, for the instance profile's role.
    case instanceMetadata(role: String)

    public var description: String {
        switch self {
        case .explicit: return "given explicitly"
        case .environment: return "environment variables (AWS_ACCESS_KEY_ID)"
        case .sharedCredentialsFile(let path, let profile): return "\(path) (profile \(profile))"
        case .configFile(let path, let profile): return "\(path) (profile \(profile))"
        case .instanceMetadata(let role): return "instance metadata service (role \(role))"
        }
    }
}
