/// Why no usable credentials were found. Messages never contain secrets.
public enum CredentialError: Error, Equatable, CustomStringConvertible {
    /// Every source was tried; each entry says where and what was seen,
    /// e.g. `env`, `~/.aws/credentials (profile dev)`, `IMDS (unreachable)`.
    case notFound(lookedIn: [String])
    /// A source had some keys but not all, e.g. an access key id without its secret.
    case incomplete(source: String, missing: String)

    public var description: String {
        switch self {
        case .notFound(let lookedIn):
            return "no AWS credentials found; looked in: \(lookedIn.joined(separator: ", ")); "
                + "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, add keys to ~/.aws/credentials, "
                + "or run on an EC2 instance with an IAM instance profile"
        case .incomplete(let source, let missing):
            return "incomplete AWS credentials in \(source): \(missing) is missing; set it or remove the partial keys"
        }
    }
}
