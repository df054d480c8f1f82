import AWSKit

/// What the `ec2` provider's values may look like; each function says why a value is wrong,
/// or nil when it is fine.
enum EC2ValueRules {
    private static let lowerAlphanumerics = Set("abcdefghijklmnopqrstuvwxyz0123456789")

    static func regionProblem(_ region: String) -> String? {
        let parts = region.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(lowerAlphanumerics.contains) }),
              parts.last!.allSatisfy(\.isNumber) else {
            return "is not an AWS region name such as us-east-1 or eu-west-1"
        }
        return nil
    }

    static func imageProblem(_ image: String) -> String? {
        if image.hasPrefix("ami-") {
            let hex = image.dropFirst(4)
            return (8...17).contains(hex.count) && hex.allSatisfy(\.isHexDigit) ? nil : "is not an AMI id (ami- and 8 or 17 hexadecimal digits)"
        }
        guard EC2ImageAlias.named(image) != nil else {
            return "is neither an AMI id (ami-...) nor a known image alias (\(EC2ImageAlias.known.map(\.alias).joined(separator: ", ")))"
        }
        return nil
    }

    static func instanceTypeProblem(_ type: String) -> String? {
        let parts = type.split(separator: ".", omittingEmptySubsequences: false)
        let allowed = lowerAlphanumerics.union("-")
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(allowed.contains) }) else {
            return "is not an instance type such as t3.medium or m6i.xlarge"
        }
        return nil
    }

    static func subnetProblem(_ subnet: String) -> String? {
        subnet.hasPrefix("subnet-") && subnet.count > 7 && subnet.dropFirst(7).allSatisfy(\.isHexDigit)
            ? nil : "is not a subnet id (subnet- and hexadecimal digits)"
    }

    static func instanceProfileProblem(_ profile: String) -> String? {
        let allowed = lowerAlphanumerics.union("ABCDEFGHIJKLMNOPQRSTUVWXYZ+=,.@_-:/")
        return !profile.isEmpty && profile.count <= 2048 && profile.allSatisfy(allowed.contains)
            ? nil : "is not an instance profile name or ARN"
    }

    static func endpointProblem(_ url: String) -> String? {
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://"), !url.contains(where: \.isWhitespace) else {
            return "must be an http:// or https:// URL"
        }
        return nil
    }

    /// Tags clusterctl sets itself, and AWS's own, cannot be written.
    static func tagKeyProblem(_ key: String) -> String? {
        if key.lowercased().hasPrefix("aws:") { return "uses the aws: prefix, which AWS reserves" }
        if key.hasPrefix("clusterctl:") { return "uses the clusterctl: prefix, which clusterctl sets itself" }
        if key.count > 128 { return "is longer than 128 characters" }
        return nil
    }

    /// An IPv4 or IPv6 address block with its prefix length.
    static func cidrProblem(_ cidr: String) -> String? {
        let parts = cidr.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bits = Int(parts[1]), parts[1].allSatisfy(\.isNumber) else {
            return "is not a CIDR block (an address, \"/\" and a prefix length, such as 203.0.113.7/32)"
        }
        let address = String(parts[0])
        if address.contains(":") {
            return SpecValueRules.isIPv6(address) && (0...128).contains(bits) ? nil : "is not an IPv6 CIDR block such as 2001:db8::/64"
        }
        return SpecValueRules.isIPv4(address) && (0...32).contains(bits) ? nil : "is not an IPv4 CIDR block such as 203.0.113.7/32"
    }
}
