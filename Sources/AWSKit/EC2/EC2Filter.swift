/// One `Describe*` filter: the name (`tag:Name`, `instance-state-name`, `vpc-id`, ...)
/// and the values any of which may match (`*` and `?` are wildcards).
public struct EC2Filter: Sendable, Equatable {
    public var name: String
    public var values: [String]

    public init(_ name: String, _ values: [String]) {
        self.name = name
        self.values = values
    }

    public init(_ name: String, _ value: String) {
        self.init(name, [value])
    }

    /// Matches resources tagged `key=value`.
    public static func tag(_ key: String, _ value: String) -> EC2Filter {
        EC2Filter("tag:\(key)", [value])
    }
}

extension QueryParameters {
    /// `Filter.N.Name` and `Filter.N.Value.M`.
    mutating func addFilters(_ filters: [EC2Filter]) {
        addStructures("Filter", filters) { parameters, prefix, filter in
            parameters.add(prefix + "Name", filter.name)
            parameters.addList(prefix + "Value", filter.values)
        }
    }

    /// `prefix.N.Key` and `prefix.N.Value`, sorted by key so the request is reproducible.
    mutating func addTags(_ prefix: String, _ tags: [String: String]) {
        addStructures(prefix, tags.sorted { $0.key < $1.key }) { parameters, itemPrefix, tag in
            parameters.add(itemPrefix + "Key", tag.key)
            parameters.add(itemPrefix + "Value", tag.value)
        }
    }

    /// `TagSpecification.1.ResourceType` and `TagSpecification.1.Tag.N.*` for each
    /// resource type, all with the same tags; nothing when `tags` is empty.
    mutating func addTagSpecifications(_ resourceTypes: [String], _ tags: [String: String]) {
        guard !tags.isEmpty else { return }
        addStructures("TagSpecification", resourceTypes) { parameters, prefix, resourceType in
            parameters.add(prefix + "ResourceType", resourceType)
            parameters.addTags(prefix + "Tag", tags)
        }
    }
}

extension XMLTree {
    /// An EC2 `tagSet` as a dictionary.
    var ec2Tags: [String: String] {
        var tags = [String: String]()
        for item in items("tagSet") {
            if let key = item.value("key") { tags[key] = item.child("value")?.text ?? "" }
        }
        return tags
    }
}
