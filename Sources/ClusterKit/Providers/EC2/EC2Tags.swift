import AWSKit

/// The tags clusterctl puts on what it creates in EC2, and how a node's id is read back from
/// its instance's tags: what lets `down` and `gc` find everything without local state.
enum EC2Tags {
    /// The cluster's name, on every instance, security group and key pair.
    static let cluster = "clusterctl:cluster"
    /// `scheduler` or `worker`, on every instance.
    static let role = "clusterctl:role"
    /// The node ids of the instance's launch: `scheduler`, `w3`, or `w3-w5` for a launch of three
    /// workers, whose instance at AMI launch index `i` is `w(3+i)`.
    static let node = "clusterctl:node"
    /// The client token of the instance's launch.
    static let launch = "clusterctl:launch"
    /// The node's phase, as `NodePhase` names it.
    static let phase = "clusterctl:phase"

    /// Name of the cluster's security group and key pair.
    static func resourceName(cluster: String) -> String { "clusterctl-\(cluster)" }

    /// The `clusterctl:node` value for a launch of `ids` (consecutive worker ids, or `scheduler`).
    static func nodeRange(_ ids: [String]) -> String {
        guard let first = ids.first, let last = ids.last, ids.count > 1 else { return ids.first ?? "" }
        return "\(first)-\(last)"
    }

    /// The node id of `instance`, from its node range and launch index; nil for an instance
    /// clusterctl did not tag.
    static func nodeId(of instance: EC2Instance) -> String? {
        guard let range = instance.tags[node] else { return nil }
        let first = range.split(separator: "-").first.map(String.init) ?? range
        guard first.hasPrefix("w"), let start = Int(first.dropFirst()) else { return first }
        return "w\(start + (instance.amiLaunchIndex ?? 0))"
    }

    /// The index of worker node `id` (`w7` -> 7).
    static func workerIndex(_ id: String) -> Int? {
        id.hasPrefix("w") ? Int(id.dropFirst()) : nil
    }
}
