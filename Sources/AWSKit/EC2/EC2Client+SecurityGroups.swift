extension EC2Client {
    /// Creates a security group (in the default VPC when `vpcId` is nil) and returns its id.
    public func createSecurityGroup(name: String, description: String, vpcId: String? = nil,
                                    tags: [String: String] = [:]) throws -> String {
        var parameters = QueryParameters()
        parameters.add("GroupName", name)
        parameters.add("GroupDescription", description)
        parameters.add("VpcId", vpcId)
        parameters.addTagSpecifications(["security-group"], tags)
        let reply = try call("CreateSecurityGroup", parameters)
        guard let id = reply.value("groupId") else {
            throw AWSError(service: "EC2", operation: "CreateSecurityGroup", status: 200, code: "MalformedReply",
                           message: "the reply has no groupId")
        }
        return id
    }

    /// Deletes the security group `id`.
    public func deleteSecurityGroup(id: String) throws {
        var parameters = QueryParameters()
        parameters.add("GroupId", id)
        _ = try call("DeleteSecurityGroup", parameters)
    }

    /// Adds inbound `rules` to group `id`. EC2 answers `InvalidPermission.Duplicate`
    /// for a rule that already exists.
    public func authorizeIngress(groupId: String, rules: [EC2IngressRule]) throws {
        var parameters = QueryParameters()
        parameters.add("GroupId", groupId)
        parameters.addStructures("IpPermissions", rules) { parameters, prefix, rule in
            parameters.add(prefix + "IpProtocol", rule.ipProtocol)
            parameters.add(prefix + "FromPort", rule.fromPort)
            parameters.add(prefix + "ToPort", rule.toPort)
            parameters.addStructures(prefix + "IpRanges", rule.cidrs) { parameters, rangePrefix, cidr in
                parameters.add(rangePrefix + "CidrIp", cidr)
                parameters.add(rangePrefix + "Description", rule.ruleDescription)
            }
            parameters.addStructures(prefix + "Groups", rule.sourceGroupIds) { parameters, groupPrefix, group in
                parameters.add(groupPrefix + "GroupId", group)
                parameters.add(groupPrefix + "Description", rule.ruleDescription)
            }
        }
        _ = try call("AuthorizeSecurityGroupIngress", parameters)
    }

    /// Every security group matching `ids` and `filters` (all when both are empty).
    public func describeSecurityGroups(ids: [String] = [], filters: [EC2Filter] = []) throws -> [EC2SecurityGroup] {
        var parameters = QueryParameters()
        parameters.addList("GroupId", ids)
        parameters.addFilters(filters)
        return try allPages("DescribeSecurityGroups", parameters) { reply in
            reply.items("securityGroupInfo").map(EC2SecurityGroup.init(xml:))
        }
    }
}
