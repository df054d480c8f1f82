import AWSKit
import Foundation

/// `clusterctl gc`: finds what clusterctl made in EC2 (instances, security groups, key pairs,
/// all carrying the `clusterctl:cluster` tag) for clusters that no state knows, and removes it
/// the way `down` would.
public struct GarbageCollector {
    /// Everything one unknown cluster left behind.
    public struct Orphan: Sendable, Equatable {
        public var cluster: String
        /// Instances with their state (`running`, `stopped`, ...).
        public var instances: [(id: String, state: String)]
        public var securityGroups: [String]
        public var keyPairs: [String]

        public static func == (a: Orphan, b: Orphan) -> Bool {
            a.cluster == b.cluster && a.instances.map(\.id) == b.instances.map(\.id)
                && a.securityGroups == b.securityGroups && a.keyPairs == b.keyPairs
        }

        /// One line per resource, for the listing.
        public var lines: [String] {
            instances.map { "instance \($0.id) (\($0.state))" } + securityGroups.map { "security group \($0)" }
                + keyPairs.map { "key pair \($0)" }
        }
    }

    let client: EC2Client
    /// Cluster names some state knows; their resources are `down`'s business.
    let known: Set<String>

    /// A collector in the region and endpoint the AWS settings (and the flags) give.
    public init(known: Set<String>, region: String?, endpointURL: String?,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        client = try EC2Connection.client(for: EC2ProviderSpec(region: region, endpointURL: endpointURL),
                                          environment: environment)
        self.known = known
    }

    /// The region searched.
    public var region: String { client.service.configuration.region }

    /// Every unknown cluster's leftovers, by cluster name.
    public func find() throws -> [Orphan] {
        let tagged = EC2Filter("tag-key", EC2Tags.cluster)
        let instances = try client.describeInstances(filters: [
            tagged, EC2Filter("instance-state-name", ["pending", "running", "stopping", "stopped"]),
        ])
        let groups = try client.describeSecurityGroups(filters: [tagged])
        let keys = try client.describeKeyPairs().filter { $0.tags[EC2Tags.cluster] != nil }
        var orphans: [String: Orphan] = [:]
        func orphan(_ cluster: String) -> Orphan {
            orphans[cluster] ?? Orphan(cluster: cluster, instances: [], securityGroups: [], keyPairs: [])
        }
        for instance in instances {
            guard let cluster = instance.tags[EC2Tags.cluster], !known.contains(cluster) else { continue }
            var entry = orphan(cluster)
            entry.instances.append((instance.id, instance.state.rawValue))
            orphans[cluster] = entry
        }
        for group in groups {
            guard let cluster = group.tags[EC2Tags.cluster], !known.contains(cluster) else { continue }
            var entry = orphan(cluster)
            entry.securityGroups.append("\(group.name) (\(group.id))")
            orphans[cluster] = entry
        }
        for key in keys {
            guard let cluster = key.tags[EC2Tags.cluster], !known.contains(cluster) else { continue }
            var entry = orphan(cluster)
            entry.keyPairs.append(key.name)
            orphans[cluster] = entry
        }
        return orphans.values.sorted { $0.cluster < $1.cluster }
    }

    /// Terminates the orphans' instances, waits until they are gone, then deletes their
    /// security groups and key pairs.
    public func remove(_ orphans: [Orphan], report: (String) -> Void) throws {
        for orphan in orphans {
            let nodes = EC2Nodes(cluster: orphan.cluster, spec: EC2ProviderSpec(), schedulerPort: 0, client: client,
                                 knownHostsPath: nil, keyPath: "", generatesKey: false,
                                 callerCIDR: { throw ClusterError("not needed to remove a cluster") })
            try nodes.terminate(try nodes.list(), report: report)
            try nodes.deleteSharedResources(report: report)
        }
    }
}
