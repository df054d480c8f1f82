import Foundation

/// An EC2 instance's lifecycle state (`pending`, `running`, ...), kept as AWS spells it.
public struct EC2InstanceState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let pending = EC2InstanceState(rawValue: "pending")
    public static let running = EC2InstanceState(rawValue: "running")
    public static let shuttingDown = EC2InstanceState(rawValue: "shutting-down")
    public static let terminated = EC2InstanceState(rawValue: "terminated")
    public static let stopping = EC2InstanceState(rawValue: "stopping")
    public static let stopped = EC2InstanceState(rawValue: "stopped")

    public var description: String { rawValue }
}

/// One EC2 instance as `RunInstances` and `DescribeInstances` report it.
public struct EC2Instance: Sendable, Equatable {
    public var id: String
    public var state: EC2InstanceState
    public var instanceType: String
    public var imageId: String
    /// The private IPv4 address, once assigned.
    public var privateIP: String?
    /// The public IPv4 address, when the instance has one.
    public var publicIP: String?
    public var privateDNSName: String?
    public var publicDNSName: String?
    public var tags: [String: String]
    public var launchTime: Date?
    public var availabilityZone: String?
    public var subnetId: String?
    public var vpcId: String?
    public var keyName: String?
    public var securityGroupIds: [String]
    /// The ARN of the attached IAM instance profile, if any.
    public var iamInstanceProfileARN: String?
    /// True for a spot instance.
    public var isSpot: Bool
    /// Its place among the instances of its `RunInstances` call, from 0.
    public var amiLaunchIndex: Int?

    /// Reads an `<item>` of an `instancesSet`.
    init(xml item: XMLTree) {
        id = item.value("instanceId") ?? ""
        state = EC2InstanceState(rawValue: item.value("instanceState", "name") ?? "unknown")
        instanceType = item.value("instanceType") ?? ""
        imageId = item.value("imageId") ?? ""
        privateIP = item.value("privateIpAddress")
        publicIP = item.value("ipAddress")
        privateDNSName = item.value("privateDnsName")
        publicDNSName = item.value("dnsName")
        tags = item.ec2Tags
        launchTime = AWSTimestamp.parse(item.value("launchTime"))
        availabilityZone = item.value("placement", "availabilityZone")
        subnetId = item.value("subnetId")
        vpcId = item.value("vpcId")
        keyName = item.value("keyName")
        securityGroupIds = item.items("groupSet").compactMap { $0.value("groupId") }
        iamInstanceProfileARN = item.value("iamInstanceProfile", "arn")
        isSpot = item.value("instanceLifecycle") == "spot"
        amiLaunchIndex = item.value("amiLaunchIndex").flatMap { Int($0) }
    }
}

/// How `TerminateInstances` moved one instance.
public struct EC2InstanceStateChange: Sendable, Equatable {
    public var instanceId: String
    public var previousState: EC2InstanceState
    public var currentState: EC2InstanceState

    init(xml item: XMLTree) {
        instanceId = item.value("instanceId") ?? ""
        previousState = EC2InstanceState(rawValue: item.value("previousState", "name") ?? "unknown")
        currentState = EC2InstanceState(rawValue: item.value("currentState", "name") ?? "unknown")
    }
}
