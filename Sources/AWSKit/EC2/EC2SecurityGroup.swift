/// A security group and its inbound rules.
public struct EC2SecurityGroup: Sendable, Equatable {
    public var id: String
    public var name: String
    public var description: String
    public var vpcId: String?
    public var ingress: [EC2IngressRule]
    public var tags: [String: String]

    /// Reads an `<item>` of a `securityGroupInfo`.
    init(xml item: XMLTree) {
        id = item.value("groupId") ?? ""
        name = item.value("groupName") ?? ""
        description = item.value("groupDescription") ?? ""
        vpcId = item.value("vpcId")
        ingress = item.items("ipPermissions").map(EC2IngressRule.init(xml:))
        tags = item.ec2Tags
    }
}

/// One inbound permission: a protocol and port range, open to CIDR blocks and/or
/// other security groups (members of the group itself, for cluster traffic).
public struct EC2IngressRule: Sendable, Equatable {
    /// `tcp`, `udp`, `icmp`, or `-1` for everything.
    public var ipProtocol: String
    public var fromPort: Int?
    public var toPort: Int?
    /// IPv4 CIDR blocks, e.g. `203.0.113.7/32`.
    public var cidrs: [String]
    /// Security groups whose members may connect.
    public var sourceGroupIds: [String]
    /// A description put on each CIDR and group entry.
    public var ruleDescription: String?

    public init(ipProtocol: String = "tcp", fromPort: Int?, toPort: Int?, cidrs: [String] = [],
                sourceGroupIds: [String] = [], ruleDescription: String? = nil) {
        self.ipProtocol = ipProtocol
        self.fromPort = fromPort
        self.toPort = toPort
        self.cidrs = cidrs
        self.sourceGroupIds = sourceGroupIds
        self.ruleDescription = ruleDescription
    }

    /// TCP on one port.
    public static func tcp(_ port: Int, cidrs: [String] = [], sourceGroupIds: [String] = [],
                           description: String? = nil) -> EC2IngressRule {
        EC2IngressRule(fromPort: port, toPort: port, cidrs: cidrs, sourceGroupIds: sourceGroupIds,
                       ruleDescription: description)
    }

    init(xml item: XMLTree) {
        ipProtocol = item.value("ipProtocol") ?? ""
        fromPort = item.value("fromPort").flatMap { Int($0) }
        toPort = item.value("toPort").flatMap { Int($0) }
        cidrs = item.items("ipRanges").compactMap { $0.value("cidrIp") }
        sourceGroupIds = item.items("groups").compactMap { $0.value("groupId") }
        ruleDescription = item.items("ipRanges").first?.value("description")
            ?? item.items("groups").first?.value("description")
    }
}
