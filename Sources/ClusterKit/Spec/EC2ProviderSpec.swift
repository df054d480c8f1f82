/// Settings of the `ec2` provider: instances clusterctl launches, tags, reaches over SSH and
/// terminates.
public struct EC2ProviderSpec: Codable, Equatable, Sendable {
    /// AWS region; nil means the environment's or the profile's (as the AWS CLI finds it).
    public var region: String?
    /// An AMI id (`ami-...`) or an alias such as `ubuntu-24.04`, resolved to the newest image of
    /// its publisher in the region.
    public var ami: String = "ubuntu-24.04"
    public var schedulerInstanceType: String = "t3.medium"
    public var workerInstanceType: String = "t3.medium"
    /// Private key file (absolute path) whose public half is imported as the cluster's key pair;
    /// nil means clusterctl makes an ed25519 key in the cluster's state directory.
    public var key: String?
    /// Login user on the image (`ubuntu` on Ubuntu images).
    public var sshUser: String = "ubuntu"
    /// Subnet id; nil means the default VPC's subnets, trying the next availability zone
    /// when one has no capacity.
    public var subnet: String?
    /// Who may reach SSH and the scheduler; nil means the caller's own public address.
    public var allowedCIDRs: [String]?
    /// One-time spot instances instead of on-demand.
    public var spot: Bool = false
    /// Size of each instance's root volume in GiB; nil keeps the image's.
    public var rootVolumeSize: Int?
    /// IAM instance profile (name or ARN) given to every instance.
    public var iamInstanceProfile: String?
    /// Extra tags on every resource clusterctl creates.
    public var tags: [String: String] = [:]
    /// Endpoint override for EC2 (a local AWS endpoint, a VPC endpoint).
    public var endpointURL: String?
    /// Where each node keeps its environment; `{host}` is replaced by the node's address.
    public var installDir: String?
    /// Seconds to wait for each instance to answer SSH after it runs.
    public var sshTimeout: Double = 300

    public init(region: String? = nil, ami: String = "ubuntu-24.04", schedulerInstanceType: String = "t3.medium",
                workerInstanceType: String = "t3.medium", key: String? = nil, sshUser: String = "ubuntu",
                subnet: String? = nil, allowedCIDRs: [String]? = nil, spot: Bool = false, rootVolumeSize: Int? = nil,
                iamInstanceProfile: String? = nil, tags: [String: String] = [:], endpointURL: String? = nil,
                installDir: String? = nil, sshTimeout: Double = 300) {
        self.region = region
        self.ami = ami
        self.schedulerInstanceType = schedulerInstanceType
        self.workerInstanceType = workerInstanceType
        self.key = key
        self.sshUser = sshUser
        self.subnet = subnet
        self.allowedCIDRs = allowedCIDRs
        self.spot = spot
        self.rootVolumeSize = rootVolumeSize
        self.iamInstanceProfile = iamInstanceProfile
        self.tags = tags
        self.endpointURL = endpointURL
        self.installDir = installDir
        self.sshTimeout = sshTimeout
    }

    /// The instance type of a node with `role`.
    public func instanceType(for role: NodeRole) -> String {
        role == .scheduler ? schedulerInstanceType : workerInstanceType
    }
}
