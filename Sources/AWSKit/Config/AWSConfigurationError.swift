/// A problem with the AWS settings themselves (files, profile, region,
/// endpoint), as opposed to credentials that could not be found.
public enum AWSConfigurationError: Error, Equatable, CustomStringConvertible {
    /// A shared credentials or config file does not parse.
    case malformedFile(path: String, line: Int, reason: String)
    /// A shared file exists but cannot be read.
    case unreadableFile(path: String)
    /// The profile was named (`AWS_PROFILE` or explicitly) but no file has it.
    case profileNotFound(profile: String, lookedIn: [String])
    /// No region was set anywhere.
    case noRegion(lookedIn: [String])
    /// An endpoint override is not an http(s) URL.
    case invalidEndpoint(value: String, source: String)

    public var description: String {
        switch self {
        case .malformedFile(let path, let line, let reason):
            return "\(path):\(line): \(reason); fix the line or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE elsewhere"
        case .unreadableFile(let path):
            return "cannot read \(path); check its permissions"
        case .profileNotFound(let profile, let lookedIn):
            return "AWS profile '\(profile)' not found in \(lookedIn.joined(separator: " or ")); "
                + "add a [\(profile)] section to the credentials file ([profile \(profile)] in the config file) "
                + "or choose another profile with AWS_PROFILE"
        case .noRegion(let lookedIn):
            return "no AWS region set; looked in: \(lookedIn.joined(separator: ", ")); "
                + "set AWS_REGION, add 'region = ...' to the profile, or set 'region' in the cluster file"
        case .invalidEndpoint(let value, let source):
            return "endpoint '\(value)' from \(source) is not an http:// or https:// URL"
        }
    }
}
