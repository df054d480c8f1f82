/// One AWS service as the request layer needs it: a name for messages, the name
/// used in signatures, and how its default endpoint is spelled.
public struct AWSService: Sendable, Equatable, CustomStringConvertible {
    /// The name shown in messages, e.g. `EC2`.
    public let displayName: String
    /// The SigV4 signing name, e.g. `ec2`.
    public let signingName: String
    /// The first label of the default host name, e.g. `ec2` in `ec2.us-east-1.amazonaws.com`.
    public let endpointPrefix: String

    public init(displayName: String, signingName: String, endpointPrefix: String) {
        self.displayName = displayName
        self.signingName = signingName
        self.endpointPrefix = endpointPrefix
    }

    public static let ec2 = AWSService(displayName: "EC2", signingName: "ec2", endpointPrefix: "ec2")
    public static let s3 = AWSService(displayName: "S3", signingName: "s3", endpointPrefix: "s3")
    public static let sts = AWSService(displayName: "STS", signingName: "sts", endpointPrefix: "sts")

    /// The regional AWS endpoint, e.g. `https://ec2.eu-west-1.amazonaws.com`
    /// (`.amazonaws.com.cn` in the China regions).
    public func defaultEndpoint(region: String) -> String {
        "https://\(endpointPrefix).\(region)\(Self.dnsSuffix(region: region))"
    }

    /// `.amazonaws.com`, or `.amazonaws.com.cn` for `cn-` regions.
    static func dnsSuffix(region: String) -> String {
        region.hasPrefix("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com"
    }

    public var description: String { displayName }
}
