extension EC2Client {
    /// VPCs matching `ids` and `filters` (all when both are empty).
    public func describeVPCs(ids: [String] = [], filters: [EC2Filter] = []) throws -> [EC2VPC] {
        var parameters = QueryParameters()
        parameters.addList("VpcId", ids)
        parameters.addFilters(filters)
        return try allPages("DescribeVpcs", parameters) { $0.items("vpcSet").map(EC2VPC.init(xml:)) }
    }

    /// Subnets matching `ids` and `filters` (all when both are empty).
    public func describeSubnets(ids: [String] = [], filters: [EC2Filter] = []) throws -> [EC2Subnet] {
        var parameters = QueryParameters()
        parameters.addList("SubnetId", ids)
        parameters.addFilters(filters)
        return try allPages("DescribeSubnets", parameters) { $0.items("subnetSet").map(EC2Subnet.init(xml:)) }
    }

    /// The region's default VPC, or nil when the account has none (deleted, or an old EC2-Classic account).
    public func defaultVPC() throws -> EC2VPC? {
        try describeVPCs(filters: [EC2Filter("is-default", "true")]).first
    }

    /// The subnets of `vpcId`, sorted by availability zone.
    public func subnets(inVPC vpcId: String) throws -> [EC2Subnet] {
        try describeSubnets(filters: [EC2Filter("vpc-id", vpcId)]).sorted {
            ($0.availabilityZone, $0.id) < ($1.availabilityZone, $1.id)
        }
    }
}
