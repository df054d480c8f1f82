extension EC2Client {
    /// Which of `types` this region offers, as `DescribeInstanceTypes` lists them; an unknown
    /// type makes EC2 answer `InvalidInstanceType`, which this reports as the types missing.
    /// - Returns: the types of `types` that do not exist here (empty when all do).
    public func missingInstanceTypes(_ types: [String]) throws -> [String] {
        guard !types.isEmpty else { return [] }
        var parameters = QueryParameters()
        parameters.addList("InstanceType", types)
        do {
            let reply = try call("DescribeInstanceTypes", parameters)
            let found = Set(reply.items("instanceTypeSet").compactMap { $0.value("instanceType") })
            return types.filter { !found.contains($0) }
        } catch let error as AWSError where error.code == "InvalidInstanceType" {
            // EC2 names the unknown types in its message; report the ones it names.
            let named = types.filter { error.message.contains($0) }
            return named.isEmpty ? types : named
        }
    }
}
