import Foundation

extension EC2Client {
    /// Images matching `ids`, `owners` (account ids or `self`, `amazon`) and `filters`.
    public func describeImages(ids: [String] = [], owners: [String] = [], filters: [EC2Filter] = []) throws
        -> [EC2Image] {
        var parameters = QueryParameters()
        parameters.addList("ImageId", ids)
        parameters.addList("Owner", owners)
        parameters.addFilters(filters)
        return try allPages("DescribeImages", parameters) { reply in
            reply.items("imagesSet").map(EC2Image.init(xml:))
        }
    }

    /// The newest available image (by creation date) of `alias` for `architecture`
    /// (`x86_64` or `arm64`) in this client's region.
    public func newestImage(alias: EC2ImageAlias, architecture: String = "x86_64") throws -> EC2Image {
        let pattern = alias.namePattern(architecture: architecture)
        let images = try describeImages(owners: [alias.ownerId], filters: [
            EC2Filter("name", pattern), EC2Filter("architecture", architecture), EC2Filter("state", "available"),
        ])
        let newest = images.max { ($0.creationDate ?? .distantPast, $0.name) < ($1.creationDate ?? .distantPast, $1.name) }
        guard let newest else {
            throw EC2ImageError.noImage(alias: alias.alias, namePattern: pattern, region: service.configuration.region)
        }
        return newest
    }

    /// The AMI id for `reference`: an `ami-...` id as it is, else a known alias
    /// (`ubuntu-24.04`) resolved to its newest image.
    public func imageId(for reference: String, architecture: String = "x86_64") throws -> String {
        if reference.hasPrefix("ami-") { return reference }
        guard let alias = EC2ImageAlias.named(reference) else { throw EC2ImageError.unknownAlias(reference) }
        return try newestImage(alias: alias, architecture: architecture).id
    }
}
