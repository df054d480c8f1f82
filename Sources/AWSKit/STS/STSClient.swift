/// STS through its Query API (version 2011-06-15), for `GetCallerIdentity`.
public struct STSClient: Sendable {
    /// The STS API version every call names.
    public static let apiVersion = "2011-06-15"

    /// The shared request layer, bound to STS.
    public let service: AWSServiceClient

    public init(configuration: AWSClientConfiguration) {
        service = AWSServiceClient(service: .sts, configuration: configuration)
    }

    /// Who the credentials belong to. Needs no IAM permission, so it tells whether
    /// credentials work at all.
    public func getCallerIdentity() throws -> CallerIdentity {
        let reply = try service.query("GetCallerIdentity", version: Self.apiVersion)
        guard let result = reply.child("GetCallerIdentityResult"), let arn = result.value("Arn") else {
            throw AWSError(service: "STS", operation: "GetCallerIdentity", status: 200, code: "MalformedReply",
                           message: "the reply has no GetCallerIdentityResult/Arn")
        }
        return CallerIdentity(account: result.value("Account") ?? "", arn: arn, userId: result.value("UserId") ?? "")
    }
}

/// The principal a set of credentials acts as.
public struct CallerIdentity: Sendable, Equatable {
    /// The 12-digit account id.
    public var account: String
    /// The principal's ARN, e.g. `arn:aws:iam::123456789012:user/alice`.
    public var arn: String
    /// The unique id of the user or role session.
    public var userId: String

    public init(account: String, arn: String, userId: String) {
        self.account = account
        self.arn = arn
        self.userId = userId
    }
}
