import AWSKit
import Foundation
import SSHKit

/// What every node of an ec2 cluster shares: the network it launches into, one security group
/// (SSH and the scheduler port from `allowed_cidrs` only, and a public dashboard's port; all
/// traffic between members) and one
/// key pair (the public half of the cluster's key). Both are named `clusterctl-<cluster>` and
/// tagged with the cluster, so `down` and `gc` find them without local state.
final class EC2ClusterResources {
    private let cluster: String
    private let spec: EC2ProviderSpec
    private let schedulerPort: Int
    /// The dashboard's port when `scheduler.dashboard` is `public`; nil keeps it closed.
    private let publicDashboardPort: Int?
    private let client: EC2Client
    private let keyPath: String
    private let generatesKey: Bool
    private let callerCIDR: () throws -> String
    private let lock = NSLock()
    private var cachedNetwork: Network?
    private var cachedCIDRs: [String]?
    private var groupId: String?

    /// Where instances go: the VPC and the subnets to try, in order.
    struct Network {
        let vpcId: String
        let subnets: [EC2Subnet]
    }

    init(cluster: String, spec: EC2ProviderSpec, schedulerPort: Int, publicDashboardPort: Int? = nil, client: EC2Client,
         keyPath: String, generatesKey: Bool, callerCIDR: @escaping () throws -> String) {
        self.cluster = cluster
        self.spec = spec
        self.schedulerPort = schedulerPort
        self.publicDashboardPort = publicDashboardPort
        self.client = client
        self.keyPath = keyPath
        self.generatesKey = generatesKey
        self.callerCIDR = callerCIDR
    }

    private var name: String { EC2Tags.resourceName(cluster: cluster) }
    private var tags: [String: String] { spec.tags.merging([EC2Tags.cluster: cluster, "Name": name]) { _, ours in ours } }

    /// The CIDR blocks allowed in: the file's, else the caller's own address.
    func allowedCIDRs() throws -> [String] {
        if let cached = lock.withLock({ cachedCIDRs }) { return cached }
        let cidrs = try spec.allowedCIDRs ?? [callerCIDR()]
        lock.withLock { cachedCIDRs = cidrs }
        return cidrs
    }

    /// The rules of the security group.
    private func rules(groupId: String) throws -> [EC2IngressRule] {
        let cidrs = try allowedCIDRs()
        return [
            .tcp(22, cidrs: cidrs, description: "SSH for clusterctl"),
            .tcp(schedulerPort, cidrs: cidrs, description: "Dask clients"),
        ] + (publicDashboardPort.map { [.tcp($0, cidrs: cidrs, description: "Dask dashboard (public, no authentication)")] } ?? []) + [
            EC2IngressRule(ipProtocol: "-1", fromPort: nil, toPort: nil, sourceGroupIds: [groupId],
                           ruleDescription: "between the nodes of \(cluster)"),
        ]
    }

    func planLines() throws -> [String] {
        let cidrs = try allowedCIDRs().joined(separator: ", ")
        let where_ = spec.subnet.map { "subnet \($0)" } ?? "the default VPC"
        let key = generatesKey ? "a new ed25519 key kept in the cluster's state directory" : "the public half of \(keyPath)"
        return [
            "security group \(name) in \(where_): tcp 22 (SSH) from \(cidrs); tcp \(schedulerPort) (Dask) from \(cidrs); "
                + (publicDashboardPort.map { "tcp \($0) (dashboard, no authentication) from \(cidrs); " } ?? "")
                + "all traffic between the cluster's nodes",
            "key pair \(name): \(key)",
        ]
    }

    /// The VPC and subnets to launch into.
    func network() throws -> Network {
        if let cached = lock.withLock({ cachedNetwork }) { return cached }
        let network: Network
        if let subnetId = spec.subnet {
            guard let subnet = try client.describeSubnets(ids: [subnetId]).first else {
                throw ClusterError("subnet \(subnetId) (provider.subnet) does not exist in \(client.service.configuration.region)")
            }
            network = Network(vpcId: subnet.vpcId, subnets: [subnet])
        } else {
            guard let vpc = try client.defaultVPC() else {
                throw ClusterError("the region \(client.service.configuration.region) has no default VPC; "
                                   + "set provider.subnet to a subnet whose instances you can reach")
            }
            let subnets = try client.subnets(inVPC: vpc.id).sorted { $0.availabilityZone < $1.availabilityZone }
            guard !subnets.isEmpty else {
                throw ClusterError("the default VPC \(vpc.id) has no subnets; set provider.subnet")
            }
            network = Network(vpcId: vpc.id, subnets: subnets)
        }
        lock.withLock { cachedNetwork = network }
        return network
    }

    /// The cluster's security group id, if it exists.
    private func existingGroupId() throws -> String? {
        if let groupId = lock.withLock({ groupId }) { return groupId }
        let found = try client.describeSecurityGroups(filters: [EC2Filter("group-name", name), .tag(EC2Tags.cluster, cluster)])
        let id = found.first?.id
        lock.withLock { groupId = id }
        return id
    }

    /// The security group id; `ensure` must have run.
    func securityGroupId() throws -> String {
        guard let id = try existingGroupId() else {
            throw ClusterError("internal: the security group \(name) was not created before the launch")
        }
        return id
    }

    /// Creates (or completes) the security group and imports the key pair.
    func ensure(report: (String) -> Void) throws {
        let network = try network()
        var id = try existingGroupId()
        if id == nil {
            report("creating security group \(name)")
            let made = try createGroup(vpcId: network.vpcId)
            lock.withLock { groupId = made }
            id = made
        }
        for rule in try rules(groupId: id!) {
            do {
                try client.authorizeIngress(groupId: id!, rules: [rule])
            } catch let error as AWSError where error.code == "InvalidPermission.Duplicate" {
                // Already there.
            }
        }
        try importKey(report: report)
    }

    /// Creates the security group. When EC2 says it exists already, the group of that name
    /// tagged with this cluster is the one: a retried call whose first attempt made it and
    /// lost its reply, or an earlier command's.
    private func createGroup(vpcId: String) throws -> String {
        do {
            return try client.createSecurityGroup(name: name, description: "clusterctl cluster \(cluster)",
                                                  vpcId: vpcId, tags: tags)
        } catch let error as AWSError where error.code == "InvalidGroup.Duplicate" {
            let found = try client.describeSecurityGroups(filters: [EC2Filter("group-name", name), .tag(EC2Tags.cluster, cluster)])
            guard let id = found.first?.id else { throw error }
            return id
        }
    }

    /// Imports the public half of the cluster's key as its key pair, replacing an earlier one
    /// (whose key may be gone with an earlier state directory). Running instances keep the key
    /// they booted with.
    private func importKey(report: (String) -> Void) throws {
        if generatesKey && !FileManager.default.fileExists(atPath: keyPath) {
            report("making the cluster's SSH key \(keyPath)")
            try SSHKeyPair.generateEd25519(comment: name).writePrivateKey(to: keyPath)
        }
        let publicLine = try SSHKeyPair.publicKeyLine(ofPrivateKeyAt: keyPath)
        if !(try client.describeKeyPairs(filters: [EC2Filter("key-name", name)])).isEmpty {
            try client.deleteKeyPair(name: name)
        }
        report("importing key pair \(name)")
        do {
            _ = try client.importKeyPair(name: name, publicKey: publicLine, tags: tags)
        } catch let error as AWSError where error.code == "InvalidKeyPair.Duplicate" && error.attempts > 1 {
            // An earlier attempt of this call imported it and lost its reply. Import it once
            // more, so the pair surely holds this key.
            try client.deleteKeyPair(name: name)
            _ = try client.importKeyPair(name: name, publicKey: publicLine, tags: tags)
        }
    }

    /// Deletes the security group (waiting while terminating instances still hold it) and the key pair.
    func delete(report: (String) -> Void) throws {
        let groups = try client.describeSecurityGroups(filters: [EC2Filter("group-name", name), .tag(EC2Tags.cluster, cluster)])
        for group in groups {
            report("deleting security group \(name) (\(group.id))")
            let deadline = Deadline(seconds: 300)
            var lastError: AWSError?
            let deleted = try deadline.poll(every: 3) { () -> Bool? in
                do {
                    try client.deleteSecurityGroup(id: group.id)
                    return true
                } catch let error as AWSError where error.code == "DependencyViolation" {
                    lastError = error
                    return nil
                } catch let error as AWSError where error.code == "InvalidGroup.NotFound" {
                    return true
                }
            }
            if deleted == nil {
                throw ClusterError("security group \(group.id) is still in use after 5 minutes (\(lastError?.code ?? "")); "
                                   + "run `clusterctl down` again once its instances are gone")
            }
        }
        lock.withLock { groupId = nil }
        if !(try client.describeKeyPairs(filters: [EC2Filter("key-name", name)])).isEmpty {
            report("deleting key pair \(name)")
            try client.deleteKeyPair(name: name)
        }
    }
}
