import AWSKit
import Foundation

/// The `ec2` provider's nodes: instances launched through signed EC2 calls, tagged at launch,
/// found again by tag, terminated when no longer wanted.
///
/// Every node of one launch shares a client token, so a retried call cannot launch twice, and
/// an `up` interrupted after the call finds what it made (by the `clusterctl:launch` tag) instead
/// of launching again. The number of API calls of `up` and `down` does not grow with the number
/// of workers: one `RunInstances` per role, tags set at launch, phases tagged in one call each.
///
/// `resolvedImage` is read and written under `lock` only; everything else is set once at
/// creation, and the EC2 client and cluster resources are safe to call from any thread.
public final class EC2Nodes: NodeProvider, @unchecked Sendable {
    let cluster: String
    let spec: EC2ProviderSpec
    let client: EC2Client
    let resources: EC2ClusterResources
    /// The cluster's known_hosts file: entries of terminated nodes are removed, since EC2 hands
    /// their addresses to other machines later. nil when there is none (`gc`).
    private let knownHostsPath: String?
    private let lock = NSLock()
    private var resolvedImage: String?

    /// - Parameters:
    ///   - knownHostsPath: the cluster's own known_hosts file.
    ///   - keyPath: the private key SSH uses (the file's `key`, or the cluster's generated key).
    ///   - callerCIDR: finds the caller's own address block when `allowed_cidrs` is not set.
    ///   - publicDashboardPort: the dashboard port the security group opens to `allowed_cidrs`
    ///     (`scheduler.dashboard: public`); nil keeps it closed.
    public init(cluster: String, spec: EC2ProviderSpec, schedulerPort: Int, publicDashboardPort: Int? = nil,
                client: EC2Client, knownHostsPath: String?, keyPath: String, generatesKey: Bool,
                callerCIDR: @escaping () throws -> String) {
        self.cluster = cluster
        self.spec = spec
        self.client = client
        self.knownHostsPath = knownHostsPath
        resources = EC2ClusterResources(cluster: cluster, spec: spec, schedulerPort: schedulerPort,
                                        publicDashboardPort: publicDashboardPort, client: client,
                                        keyPath: keyPath, generatesKey: generatesKey, callerCIDR: callerCIDR)
    }

    public var makesNodes: Bool { true }
    public var schedulerNodeId: String { "scheduler" }

    /// Worker ids continue after the highest one in use, so the ids of one launch are
    /// consecutive and its node range tag names them all.
    public func newWorkerNodeIds(count: Int, used: Set<String>) -> [String] {
        let next = (used.compactMap(EC2Tags.workerIndex).max() ?? -1) + 1
        return (next..<next + count).map { "w\($0)" }
    }

    // MARK: Shared resources

    public func sharedResourceLines() throws -> [String] { try resources.planLines() }

    public func ensureSharedResources(report: (String) -> Void) throws { try resources.ensure(report: report) }

    public func deleteSharedResources(report: (String) -> Void) throws { try resources.delete(report: report) }

    // MARK: Launch

    public func launchDescription(for role: NodeRole) throws -> (instanceType: String, image: String, hourlyCost: Double?) {
        let type = spec.instanceType(for: role)
        return (type, try image(), EC2InstancePrices.hourlyUSD(for: type))
    }

    /// The AMI id (an alias resolved), checked once with the instance types before anything
    /// is created: a wrong image or type is reported with nothing made.
    private func image() throws -> String {
        if let resolvedImage = lock.withLock({ resolvedImage }) { return resolvedImage }
        let region = client.service.configuration.region
        let id: String
        do {
            id = try client.imageId(for: spec.ami)
            if spec.ami.hasPrefix("ami-"), try client.describeImages(ids: [id]).isEmpty {
                throw ClusterError("the image \(id) (provider.ami) does not exist in \(region); set provider.ami to an "
                                   + "image id of \(region), or an alias such as ubuntu-24.04")
            }
        } catch let error as EC2ImageError {
            throw ClusterError("\(error); set provider.ami to an image id available in \(region)")
        } catch let error as AWSError where error.code.hasPrefix("InvalidAMIID") {
            throw ClusterError("the image \(spec.ami) (provider.ami) does not exist in \(region) (\(error.code)); set "
                               + "provider.ami to an image id of \(region), or an alias such as ubuntu-24.04")
        }
        let types = Array(Set([spec.schedulerInstanceType, spec.workerInstanceType])).sorted()
        let missing = try client.missingInstanceTypes(types)
        guard missing.isEmpty else {
            throw ClusterError("instance type \(missing.joined(separator: ", ")) does not exist in \(region); check "
                               + "provider.scheduler_instance_type and provider.worker_instance_type (for example t3.medium)")
        }
        lock.withLock { resolvedImage = id }
        return id
    }

    public func create(_ nodes: [NodeRecord]) throws -> [NodeRecord] {
        guard let first = nodes.first, let token = first.clientToken else { return nodes }
        let instances = try launchedBy(token) ?? launch(nodes, token: token)
        let byId = Dictionary(instances.compactMap { instance in EC2Tags.nodeId(of: instance).map { ($0, instance) } },
                              uniquingKeysWith: { a, _ in a })
        return nodes.map { node in
            guard let instance = byId[node.id] else { return node }
            return Self.record(node, from: instance, phase: node.phase)
        }
    }

    /// Instances an earlier launch with `token` made and that still exist; nil when none.
    private func launchedBy(_ token: String) throws -> [EC2Instance]? {
        let found = try client.describeInstances(filters: [
            .tag(EC2Tags.cluster, cluster), .tag(EC2Tags.launch, token),
            EC2Filter("instance-state-name", ["pending", "running"]),
        ])
        return found.isEmpty ? nil : found
    }

    private func launch(_ nodes: [NodeRecord], token: String) throws -> [EC2Instance] {
        let role = nodes[0].role
        let network = try resources.network()
        var request = RunInstancesRequest(
            imageId: try image(), instanceType: spec.instanceType(for: role), minCount: nodes.count, maxCount: nodes.count,
            keyName: EC2Tags.resourceName(cluster: cluster), securityGroupIds: [try resources.securityGroupId()])
        if let profile = spec.iamInstanceProfile {
            request.iamInstanceProfile = profile.hasPrefix("arn:") ? .arn(profile) : .name(profile)
        }
        if let size = spec.rootVolumeSize {
            request.blockDeviceMappings = [.init(deviceName: try rootDevice(), volumeSizeGiB: size, volumeType: "gp3",
                                                 deleteOnTermination: true)]
        }
        if spec.spot { request.spot = .init() }
        request.shutdownBehavior = .terminate
        request.tags = spec.tags.merging([
            "Name": "\(cluster)-\(EC2Tags.nodeRange(nodes.map(\.id)))",
            EC2Tags.cluster: cluster, EC2Tags.role: role.rawValue, EC2Tags.node: EC2Tags.nodeRange(nodes.map(\.id)),
            EC2Tags.launch: token, EC2Tags.phase: NodePhase.requested.rawValue,
        ]) { _, ours in ours }

        // In the default VPC, a zone without capacity passes the launch on to the next one.
        var tried: [String] = []
        for (attempt, subnet) in network.subnets.enumerated() {
            request.subnetId = subnet.id
            request.clientToken = attempt == 0 ? token : "\(token)-\(attempt)"
            do {
                return try client.runInstances(request)
            } catch let error as AWSError where EC2LaunchErrors.isCapacity(error.code) && attempt + 1 < network.subnets.count {
                tried.append(subnet.availabilityZone)
            } catch let error as AWSError {
                throw EC2LaunchErrors.explain(error, role: role, count: nodes.count, type: request.instanceType,
                                              image: request.imageId, triedZones: tried + [subnet.availabilityZone])
            }
        }
        throw ClusterError("no subnet to launch into; set provider.subnet")
    }

    private func rootDevice() throws -> String {
        try client.describeImages(ids: [try image()]).first?.rootDeviceName ?? "/dev/sda1"
    }

    public func waitUntilRunning(_ nodes: [NodeRecord], report: (String) -> Void) throws -> [NodeRecord] {
        let ids = nodes.compactMap(\.instanceId)
        report("waiting for \(ids.count) instance\(ids.count == 1 ? "" : "s") to run (up to 10 min)")
        let instances: [EC2Instance]
        do {
            instances = try client.waitUntilRunning(ids, timeout: 600, pollInterval: 2)
        } catch let error as EC2WaitError {
            throw ClusterError("\(error). Run `clusterctl up` again to carry on, or `clusterctl down` to remove what was launched")
        }
        let byInstance = Dictionary(instances.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return nodes.map { node in
            guard let id = node.instanceId, let instance = byInstance[id] else { return node }
            return Self.record(node, from: instance, phase: max(node.phase, .running))
        }
    }

    static func record(_ node: NodeRecord, from instance: EC2Instance, phase: NodePhase) -> NodeRecord {
        var record = node
        record.instanceId = instance.id
        record.instanceType = instance.instanceType
        record.publicAddress = instance.publicIP
        record.privateAddress = instance.privateIP
        record.phase = phase
        return record
    }

    // MARK: Terminate, list, phases

    public func terminate(_ nodes: [NodeRecord], report: (String) -> Void) throws {
        var ids = nodes.compactMap(\.instanceId)
        // A node whose launch was interrupted before its id was saved is found by its token.
        for token in Set(nodes.filter { $0.instanceId == nil }.compactMap(\.clientToken)) {
            ids += try launchedBy(token)?.map(\.id) ?? []
        }
        ids = ids.reduce(into: []) { unique, id in if !unique.contains(id) { unique.append(id) } }
        guard !ids.isEmpty else { return }
        report("terminating \(ids.joined(separator: ", "))")
        do {
            _ = try client.terminateInstances(ids: ids)
        } catch let error as AWSError where error.code == "InvalidInstanceID.NotFound" {
            // Already gone.
        }
        try client.waitUntilTerminated(ids, timeout: 600, pollInterval: 2)
        knownHostsPath.map(KnownHostsFile.init(path:))?.remove(hosts: nodes.flatMap { [$0.publicAddress, $0.privateAddress].compactMap { $0 } })
    }

    public func list() throws -> [NodeRecord] {
        let instances = try client.describeInstances(filters: [
            .tag(EC2Tags.cluster, cluster),
            EC2Filter("instance-state-name", ["pending", "running", "stopping", "stopped"]),
        ])
        return instances.map { instance in
            // An instance without clusterctl's node tag (made by hand, say) goes by its instance id.
            let id = EC2Tags.nodeId(of: instance) ?? instance.id
            let phase = instance.tags[EC2Tags.phase].flatMap(NodePhase.init(rawValue:)) ?? .requested
            let base = NodeRecord(id: id, role: instance.tags[EC2Tags.role] == "scheduler" ? .scheduler : .worker,
                                  phase: phase, clientToken: instance.tags[EC2Tags.launch])
            return Self.record(base, from: instance, phase: instance.state == .running || instance.state == .pending ? phase : .requested)
        }
    }

    public func liveNodeIds() throws -> Set<String> {
        let live = try client.describeInstances(filters: [
            .tag(EC2Tags.cluster, cluster), EC2Filter("instance-state-name", ["pending", "running"]),
        ])
        return Set(live.compactMap(EC2Tags.nodeId(of:)))
    }

    public func record(_ phase: NodePhase, of nodes: [NodeRecord]) throws {
        let ids = nodes.compactMap(\.instanceId)
        guard !ids.isEmpty else { return }
        try client.createTags(resourceIds: ids, tags: [EC2Tags.phase: phase.rawValue])
    }

    /// The instance's console output, to show why a node never answered SSH.
    func consoleOutput(of node: NodeRecord) -> String? {
        guard let id = node.instanceId else { return nil }
        return try? client.consoleOutput(instanceId: id)
    }
}
