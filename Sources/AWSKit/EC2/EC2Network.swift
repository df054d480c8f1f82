/// A VPC.
public struct EC2VPC: Sendable, Equatable {
    public var id: String
    public var cidrBlock: String
    /// True for the region's default VPC.
    public var isDefault: Bool
    public var state: String
    public var tags: [String: String]

    init(xml item: XMLTree) {
        id = item.value("vpcId") ?? ""
        cidrBlock = item.value("cidrBlock") ?? ""
        isDefault = item.value("isDefault") == "true"
        state = item.value("state") ?? ""
        tags = item.ec2Tags
    }
}

/// A subnet of a VPC, in one availability zone.
public struct EC2Subnet: Sendable, Equatable {
    public var id: String
    public var vpcId: String
    public var availabilityZone: String
    public var cidrBlock: String
    /// True for the default subnet of its zone (in the default VPC).
    public var isDefaultForZone: Bool
    /// True when instances launched here get a public IPv4 address.
    public var mapsPublicIPOnLaunch: Bool
    public var availableIPAddresses: Int?
    public var tags: [String: String]

    init(xml item: XMLTree) {
        id = item.value("subnetId") ?? ""
        vpcId = item.value("vpcId") ?? ""
        availabilityZone = item.value("availabilityZone") ?? ""
        cidrBlock = item.value("cidrBlock") ?? ""
        isDefaultForZone = item.value("defaultForAz") == "true"
        mapsPublicIPOnLaunch = item.value("mapPublicIpOnLaunch") == "true"
        availableIPAddresses = item.value("availableIpAddressCount").flatMap { Int($0) }
        tags = item.ec2Tags
    }
}
