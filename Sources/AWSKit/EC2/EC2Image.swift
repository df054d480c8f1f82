import Foundation

/// A machine image (AMI) as `DescribeImages` reports it.
public struct EC2Image: Sendable, Equatable {
    public var id: String
    public var name: String
    public var ownerId: String
    /// When the image was registered; the newest wins when resolving an alias.
    public var creationDate: Date?
    /// `x86_64` or `arm64`.
    public var architecture: String
    /// `available`, `pending`, ...
    public var state: String
    public var rootDeviceName: String?

    init(xml item: XMLTree) {
        id = item.value("imageId") ?? ""
        name = item.value("name") ?? ""
        ownerId = item.value("imageOwnerId") ?? ""
        creationDate = AWSTimestamp.parse(item.value("creationDate"))
        architecture = item.value("architecture") ?? ""
        state = item.value("imageState") ?? ""
        rootDeviceName = item.value("rootDeviceName")
    }
}

/// A short name for "the newest official image of X", such as `ubuntu-24.04`: an
/// owner account and an image name pattern, resolved per region with `DescribeImages`.
public struct EC2ImageAlias: Sendable, Equatable {
    public var alias: String
    /// The publisher's account id (Canonical is 099720109477).
    public var ownerId: String
    /// The image name pattern, `{arch}` standing for `amd64` or `arm64`.
    public var namePattern: String

    public init(alias: String, ownerId: String, namePattern: String) {
        self.alias = alias
        self.ownerId = ownerId
        self.namePattern = namePattern
    }

    /// Canonical's account, which publishes the official Ubuntu images.
    public static let canonical = "099720109477"

    /// The aliases clusterctl knows.
    public static let known: [EC2ImageAlias] = [
        EC2ImageAlias(alias: "ubuntu-24.04", ownerId: canonical,
                      namePattern: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-{arch}-server-*"),
        EC2ImageAlias(alias: "ubuntu-22.04", ownerId: canonical,
                      namePattern: "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-{arch}-server-*"),
        EC2ImageAlias(alias: "ubuntu-20.04", ownerId: canonical,
                      namePattern: "ubuntu/images/hvm-ssd/ubuntu-focal-20.04-{arch}-server-*"),
    ]

    /// The known alias called `alias`, if any.
    public static func named(_ alias: String) -> EC2ImageAlias? {
        known.first { $0.alias == alias }
    }

    /// The name pattern for an EC2 architecture (`x86_64` or `arm64`).
    public func namePattern(architecture: String) -> String {
        namePattern.replacingOccurrences(of: "{arch}", with: architecture == "x86_64" ? "amd64" : architecture)
    }
}

/// An image reference that could not be resolved.
public enum EC2ImageError: Error, Equatable, CustomStringConvertible {
    case unknownAlias(String)
    case noImage(alias: String, namePattern: String, region: String)

    public var description: String {
        switch self {
        case .unknownAlias(let alias):
            let known = EC2ImageAlias.known.map(\.alias).joined(separator: ", ")
            return "unknown image '\(alias)': give an AMI id (ami-...) or one of \(known)"
        case .noImage(let alias, let pattern, let region):
            return "no available image for '\(alias)' (name \(pattern)) in \(region); "
                + "check the region, or give an AMI id (ami-...)"
        }
    }
}
