import AWSKit

/// What a failed `RunInstances` means, in words that say what to do.
enum EC2LaunchErrors {
    /// Codes after which another availability zone may have room.
    static func isCapacity(_ code: String) -> Bool {
        ["InsufficientInstanceCapacity", "InstanceTypeNotSupportedInZone", "Unsupported"].contains(code)
    }

    static func explain(_ error: AWSError, role: NodeRole, count: Int, type: String, image: String,
                        triedZones: [String]) -> ClusterError {
        let what = "launching \(count) \(role.rawValue) instance\(count == 1 ? "" : "s") (\(type), \(image))"
        let advice: String
        switch error.code {
        case "InsufficientInstanceCapacity", "InstanceTypeNotSupportedInZone", "Unsupported":
            advice = "no capacity for \(type) in \(triedZones.joined(separator: ", ")); try another instance type or region, or later"
        case "InstanceLimitExceeded", "VcpuLimitExceeded", "MaxSpotInstanceCountExceeded":
            advice = "the account's limit is reached (\(error.code)); ask AWS for a higher quota for \(type) "
                + "(Service Quotas, EC2), or launch fewer or smaller instances"
        case "InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidAMIID.Unavailable":
            advice = "the image \(image) does not exist in this region; set provider.ami to an image id of this region or an alias such as ubuntu-24.04"
        case "InvalidInstanceType":
            advice = "the instance type \(type) does not exist here; check provider.scheduler_instance_type and provider.worker_instance_type"
        case "InvalidParameterValue" where error.message.contains("nstance type"):
            advice = "the instance type \(type) does not exist here; check provider.scheduler_instance_type and provider.worker_instance_type"
        case "UnauthorizedOperation", "AccessDenied", "AuthFailure":
            advice = "the credentials may not launch instances; grant ec2:RunInstances and ec2:CreateTags"
        default:
            advice = "see the AWS message"
        }
        return ClusterError("\(what) failed: \(error.code): \(advice). Nothing was launched by this call; "
                            + "fix it and run `clusterctl up` again", details: error.description)
    }
}
