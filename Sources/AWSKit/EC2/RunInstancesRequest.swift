import Foundation

/// Everything `RunInstances` is asked for. Only `imageId`, `instanceType` and the
/// counts are required; nil and empty fields are left out of the request.
public struct RunInstancesRequest: Sendable, Equatable {
    public var imageId: String
    public var instanceType: String
    /// Launch at least this many or fail.
    public var minCount: Int
    /// Launch at most this many.
    public var maxCount: Int
    /// The EC2 key pair whose public key goes into the instance.
    public var keyName: String?
    public var securityGroupIds: [String]
    public var subnetId: String?
    public var iamInstanceProfile: IAMInstanceProfile?
    /// The user data (a cloud-init script, say); sent base64-encoded.
    public var userData: String?
    public var blockDeviceMappings: [BlockDeviceMapping]
    /// Ask for spot capacity instead of on-demand.
    public var spot: SpotOptions?
    /// Makes the call idempotent: repeating it with the same token launches nothing new.
    public var clientToken: String?
    /// What `shutdown` inside the instance does: `stop` or `terminate`.
    public var shutdownBehavior: ShutdownBehavior?
    /// Tags put on the instances and their volumes at launch.
    public var tags: [String: String]

    public init(imageId: String, instanceType: String, minCount: Int = 1, maxCount: Int = 1, keyName: String? = nil,
                securityGroupIds: [String] = [], subnetId: String? = nil, iamInstanceProfile: IAMInstanceProfile? = nil,
                userData: String? = nil, blockDeviceMappings: [BlockDeviceMapping] = [], spot: SpotOptions? = nil,
                clientToken: String? = nil, shutdownBehavior: ShutdownBehavior? = nil, tags: [String: String] = [:]) {
        self.imageId = imageId
        self.instanceType = instanceType
        self.minCount = minCount
        self.maxCount = maxCount
        self.keyName = keyName
        self.securityGroupIds = securityGroupIds
        self.subnetId = subnetId
        self.iamInstanceProfile = iamInstanceProfile
        self.userData = userData
        self.blockDeviceMappings = blockDeviceMappings
        self.spot = spot
        self.clientToken = clientToken
        self.shutdownBehavior = shutdownBehavior
        self.tags = tags
    }

    /// An instance profile, by name or by ARN.
    public enum IAMInstanceProfile: Sendable, Equatable {
        case name(String)
        case arn(String)
    }

    /// `InstanceInitiatedShutdownBehavior`.
    public enum ShutdownBehavior: String, Sendable {
        case stop, terminate
    }

    /// One EBS volume attached at launch.
    public struct BlockDeviceMapping: Sendable, Equatable {
        /// e.g. `/dev/sda1` for the root volume of Ubuntu images.
        public var deviceName: String
        public var volumeSizeGiB: Int?
        /// `gp3`, `gp2`, `io2`, ...
        public var volumeType: String?
        public var deleteOnTermination: Bool
        public var encrypted: Bool?

        public init(deviceName: String, volumeSizeGiB: Int? = nil, volumeType: String? = nil,
                    deleteOnTermination: Bool = true, encrypted: Bool? = nil) {
            self.deviceName = deviceName
            self.volumeSizeGiB = volumeSizeGiB
            self.volumeType = volumeType
            self.deleteOnTermination = deleteOnTermination
            self.encrypted = encrypted
        }
    }

    /// One-time spot capacity, terminated on interruption.
    public struct SpotOptions: Sendable, Equatable {
        /// The most to pay per hour in USD (e.g. `"0.05"`); nil pays up to the on-demand price.
        public var maxPrice: String?

        public init(maxPrice: String? = nil) {
            self.maxPrice = maxPrice
        }
    }

    /// The Query API parameters of this request.
    var parameters: QueryParameters {
        var parameters = QueryParameters()
        parameters.add("ImageId", imageId)
        parameters.add("InstanceType", instanceType)
        parameters.add("MinCount", minCount)
        parameters.add("MaxCount", maxCount)
        parameters.add("KeyName", keyName)
        parameters.addList("SecurityGroupId", securityGroupIds)
        parameters.add("SubnetId", subnetId)
        switch iamInstanceProfile {
        case .name(let name)?: parameters.add("IamInstanceProfile.Name", name)
        case .arn(let arn)?: parameters.add("IamInstanceProfile.Arn", arn)
        case nil: break
        }
        parameters.add("UserData", userData.map { Data($0.utf8).base64EncodedString() })
        parameters.addStructures("BlockDeviceMapping", blockDeviceMappings) { parameters, prefix, mapping in
            parameters.add(prefix + "DeviceName", mapping.deviceName)
            parameters.add(prefix + "Ebs.VolumeSize", mapping.volumeSizeGiB)
            parameters.add(prefix + "Ebs.VolumeType", mapping.volumeType)
            parameters.add(prefix + "Ebs.DeleteOnTermination", mapping.deleteOnTermination)
            parameters.add(prefix + "Ebs.Encrypted", mapping.encrypted)
        }
        if let spot {
            parameters.add("InstanceMarketOptions.MarketType", "spot")
            parameters.add("InstanceMarketOptions.SpotOptions.SpotInstanceType", "one-time")
            parameters.add("InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior", "terminate")
            parameters.add("InstanceMarketOptions.SpotOptions.MaxPrice", spot.maxPrice)
        }
        parameters.add("ClientToken", clientToken)
        parameters.add("InstanceInitiatedShutdownBehavior", shutdownBehavior?.rawValue)
        parameters.addTagSpecifications(["instance", "volume"], tags)
        return parameters
    }
}
