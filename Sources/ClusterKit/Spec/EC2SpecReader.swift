import AWSKit
import Yams

/// Reads the `ec2` provider's keys.
extension ProviderSpecReader {
    func readEC2(_ fields: SchemaReader.Fields) -> EC2ProviderSpec? {
        var ec2 = EC2ProviderSpec()
        if let value = word(fields, "region", example: "region: eu-west-1", problem: EC2ValueRules.regionProblem) {
            ec2.region = value
        }
        if let value = word(fields, "ami", example: "ami: ubuntu-24.04", problem: EC2ValueRules.imageProblem) {
            ec2.ami = value
        }
        if let value = word(fields, "scheduler_instance_type", example: "scheduler_instance_type: t3.medium",
                            problem: EC2ValueRules.instanceTypeProblem) {
            ec2.schedulerInstanceType = value
        }
        if let value = word(fields, "worker_instance_type", example: "worker_instance_type: m6i.large",
                            problem: EC2ValueRules.instanceTypeProblem) {
            ec2.workerInstanceType = value
        }
        ec2.key = localPath(fields, "key", example: "key: ~/.ssh/id_ed25519")
        if let value = word(fields, "ssh_user", example: "ssh_user: ubuntu", problem: SpecValueRules.userProblem) {
            ec2.sshUser = value
        }
        ec2.subnet = word(fields, "subnet", example: "subnet: subnet-0abc1234", problem: EC2ValueRules.subnetProblem)
        if let node = fields["allowed_cidrs"] {
            ec2.allowedCIDRs = readCIDRs(node, fields.label("allowed_cidrs"))
        }
        if let node = fields["spot"], let spot = boolean(node, fields.label("spot"), example: "spot: true") {
            ec2.spot = spot
        }
        if let node = fields["root_volume_size"] {
            ec2.rootVolumeSize = readVolumeSize(node, fields.label("root_volume_size"))
        }
        ec2.iamInstanceProfile = word(fields, "iam_instance_profile", example: "iam_instance_profile: dask-nodes",
                                      problem: EC2ValueRules.instanceProfileProblem)
        if let node = fields["tags"], !reader.isNull(node) {
            ec2.tags = readTags(node, fields)
        }
        ec2.endpointURL = word(fields, "endpoint_url", example: "endpoint_url: http://127.0.0.1:5000",
                               problem: EC2ValueRules.endpointProblem)
        ec2.installDir = installDir(fields)
        if let seconds = duration(fields, "ssh_timeout", example: "ssh_timeout: 5m") { ec2.sshTimeout = seconds }
        return ec2
    }

    /// A single value under `key` that `problem` accepts.
    private func word(_ fields: SchemaReader.Fields, _ key: String, example: String,
                      problem: (String) -> String?) -> String? {
        guard let node = fields[key], let text = reader.string(node, fields.label(key), example: example) else { return nil }
        if let why = problem(text) {
            reader.report(SourcePosition(node.mark), "\(fields.label(key)) \"\(text)\" \(why)", hint: "write for example \(example)")
            return nil
        }
        return text
    }

    private func boolean(_ node: Node, _ label: String, example: String) -> Bool? {
        guard let text = reader.string(node, label, example: example) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            reader.report(SourcePosition(node.mark), "\(label) must be true or false, not \"\(text)\"", hint: "write for example \(example)")
            return nil
        }
    }

    private func readCIDRs(_ node: Node, _ label: String) -> [String]? {
        let example = "allowed_cidrs: [203.0.113.7/32]"
        guard let items = reader.scalarList(node, label, example: example) else { return nil }
        guard !items.isEmpty else {
            reader.report(SourcePosition(node.mark), "\(label) needs at least one CIDR block (leave the key out to allow only your own address)",
                          hint: "write for example \(example)")
            return nil
        }
        var usable = true
        for item in items {
            if let why = EC2ValueRules.cidrProblem(item.value) {
                reader.report(item.position, "\"\(item.value)\" in \(label) \(why)",
                              hint: "write an address block such as 203.0.113.7/32 or 10.0.0.0/16")
                usable = false
            }
        }
        return usable ? items.map(\.value) : nil
    }

    /// GiB, as a whole number or a size such as `100GiB`.
    private func readVolumeSize(_ node: Node, _ label: String) -> Int? {
        guard let text = reader.string(node, label, example: "root_volume_size: 100GiB") else { return nil }
        let gib = 1024.0 * 1024 * 1024
        let value = Int(text) ?? Sizes.parse(text).map { Int((Double($0) / gib).rounded(.up)) }
        guard let value, (8...16_384).contains(value) else {
            reader.report(SourcePosition(node.mark), "\(label) must be a size between 8GiB and 16384GiB, not \"\(text)\"",
                          hint: "write for example root_volume_size: 100GiB")
            return nil
        }
        return value
    }

    private func readTags(_ node: Node, _ parent: SchemaReader.Fields) -> [String: String] {
        let label = parent.label("tags")
        let position = parent.entries.first { $0.key == "tags" }?.keyPosition ?? parent.position
        guard let fields = reader.fields(of: node, path: label, at: position, allowed: nil) else { return [:] }
        var tags: [String: String] = [:]
        for entry in fields.entries {
            if let why = EC2ValueRules.tagKeyProblem(entry.key) {
                reader.report(entry.keyPosition, "tag \"\(entry.key)\" in \(label) \(why)", hint: "write for example team: analytics")
                continue
            }
            if let value = reader.string(entry.value, "\(label).\(entry.key)", example: "\(entry.key): value") {
                tags[entry.key] = value
            }
        }
        return tags
    }
}
