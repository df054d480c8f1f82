/// EC2 through its Query API (version 2016-11-15): form POSTs, XML replies.
///
/// Operations live in extensions by topic (instances, security groups, key pairs,
/// images, network). Errors are ``AWSError`` (service `EC2`) or ``AWSTransportError``.
public struct EC2Client: Sendable {
    /// The EC2 API version every call names.
    public static let apiVersion = "2016-11-15"

    /// The shared request layer, bound to EC2.
    public let service: AWSServiceClient

    public init(configuration: AWSClientConfiguration) {
        service = AWSServiceClient(service: .ec2, configuration: configuration)
    }

    /// Calls `action` once (with retries) and returns the reply's root element.
    func call(_ action: String, _ parameters: QueryParameters = QueryParameters()) throws -> XMLTree {
        try service.query(action, version: Self.apiVersion, parameters: parameters)
    }

    /// Calls a paginated `Describe*` action until its reply has no `nextToken`, and
    /// collects what `extract` takes from each page.
    func allPages<Element>(_ action: String, _ parameters: QueryParameters,
                           _ extract: (XMLTree) -> [Element]) throws -> [Element] {
        var results = [Element]()
        var token: String?
        repeat {
            var page = parameters
            page.add("NextToken", token)
            let reply = try call(action, page)
            results += extract(reply)
            token = reply.value("nextToken")
        } while token != nil
        return results
    }
}

extension EC2Client: CustomStringConvertible {
    public var description: String { service.description }
}
