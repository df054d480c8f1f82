extension EC2Client {
    /// Launches instances; returns them as first reported (usually `pending`).
    public func runInstances(_ request: RunInstancesRequest) throws -> [EC2Instance] {
        try call("RunInstances", request.parameters).items("instancesSet").map(EC2Instance.init(xml:))
    }

    /// Every instance matching `ids` and `filters` (all when both are empty), across
    /// every page. `pageSize` (5 to 1000) sets `MaxResults`; AWS refuses it together with ids.
    public func describeInstances(ids: [String] = [], filters: [EC2Filter] = [], pageSize: Int? = nil) throws
        -> [EC2Instance] {
        var parameters = QueryParameters()
        parameters.addList("InstanceId", ids)
        parameters.addFilters(filters)
        parameters.add("MaxResults", pageSize)
        return try allPages("DescribeInstances", parameters) { reply in
            reply.items("reservationSet").flatMap { $0.items("instancesSet") }.map(EC2Instance.init(xml:))
        }
    }

    /// Terminates `ids`; terminating an already terminated instance is not an error.
    @discardableResult
    public func terminateInstances(ids: [String]) throws -> [EC2InstanceStateChange] {
        guard !ids.isEmpty else { return [] }
        var parameters = QueryParameters()
        parameters.addList("InstanceId", ids)
        return try call("TerminateInstances", parameters).items("instancesSet").map(EC2InstanceStateChange.init(xml:))
    }

    /// Adds or overwrites `tags` on every resource in `resourceIds` (instances, groups, volumes, ...).
    public func createTags(resourceIds: [String], tags: [String: String]) throws {
        var parameters = QueryParameters()
        parameters.addList("ResourceId", resourceIds)
        parameters.addTags("Tag", tags)
        _ = try call("CreateTags", parameters)
    }
}
