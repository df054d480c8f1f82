import Yams

/// Builds the `provider` section: reads `kind` first, then checks the other keys against
/// that kind's own list.
struct ProviderSpecReader {
    let reader: SchemaReader
    /// Directory of the cluster file, for relative paths.
    let directory: String

    /// Words people write when they mean "do not check host keys"; there is no such setting.
    private static let hostKeyCheckingOff: Set<String> = [
        "off", "no", "false", "none", "ignore", "disabled", "disable", "skip", "insecure",
        "accept-any", "accept-all", "any", "never", "0",
    ]

    /// The provider, and the `state` location any provider may name.
    func read(_ node: Node, at position: SourcePosition) -> (provider: ProviderSpec, state: String?)? {
        guard let all = reader.fields(of: node, path: "provider", at: position, allowed: nil) else { return nil }
        guard let kind = readKind(all) else { return nil }
        let allowed = kind == "ssh" ? SpecKeys.ssh : kind == "ec2" ? SpecKeys.ec2 : SpecKeys.local
        for entry in all.entries where !allowed.contains(entry.key) {
            reader.reportUnknown(entry.key, at: entry.keyPosition, section: "provider (kind: \(kind))", allowed: allowed)
        }
        var fields = SchemaReader.Fields(path: "provider", position: position)
        for entry in all.entries where allowed.contains(entry.key) { fields.add(entry) }
        let state = readState(fields)
        let provider: ProviderSpec?
        switch kind {
        case "ssh": provider = readSSH(fields).map(ProviderSpec.ssh)
        case "ec2": provider = readEC2(fields).map(ProviderSpec.ec2)
        default: provider = .local(readLocal(fields))
        }
        return provider.map { ($0, state) }
    }

    private func readKind(_ fields: SchemaReader.Fields) -> String? {
        guard let node = fields["kind"] else {
            if !fields.isWritten("kind") {
                reader.report(fields.position, "missing key \"provider.kind\"",
                              hint: "add `kind: local` (this machine), `kind: ssh` (existing hosts) or `kind: ec2` (AWS instances) under provider")
            }
            return nil
        }
        guard reader.string(node, "provider.kind", example: "kind: local") != nil else { return nil }
        return reader.choice(node, "provider.kind", among: SpecKeys.providerKinds)
    }

    /// `state: s3://bucket/prefix`.
    private func readState(_ fields: SchemaReader.Fields) -> String? {
        let example = "state: s3://my-bucket/clusterctl"
        guard let node = fields["state"], let url = reader.string(node, fields.label("state"), example: example) else { return nil }
        guard S3StateDocuments.parse(url) != nil else {
            reader.report(SourcePosition(node.mark), "\(fields.label("state")) must be an S3 location s3://BUCKET/PREFIX, not \"\(url)\"",
                          hint: "write for example \(example), or leave it out to keep the state under the state home")
            return nil
        }
        return url
    }

    // MARK: local

    private func readLocal(_ fields: SchemaReader.Fields) -> LocalProviderSpec {
        var local = LocalProviderSpec()
        if let host = host(fields, "host", example: "host: 127.0.0.1") { local.host = host }
        return local
    }

    // MARK: ssh

    private func readSSH(_ fields: SchemaReader.Fields) -> SSHProviderSpec? {
        let scheduler = requiredHost(fields)
        let workers = readWorkerHosts(fields)
        var ssh = SSHProviderSpec(user: LocalUser.name, scheduler: scheduler ?? "", workers: workers ?? [])

        if let node = fields["user"], let user = reader.string(node, fields.label("user"), example: "user: ubuntu") {
            if let problem = SpecValueRules.userProblem(user) {
                reader.report(SourcePosition(node.mark), "\(fields.label("user")) \"\(user)\" \(problem)", hint: "write for example user: ubuntu")
            } else {
                ssh.access.user = user
            }
        }
        ssh.access.key = localPath(fields, "key", example: "key: ~/.ssh/id_ed25519")
        ssh.access.knownHosts = localPath(fields, "known_hosts", example: "known_hosts: ~/.ssh/known_hosts")
        if let node = fields["port"], let port = reader.integer(node, fields.label("port"), in: 1...65_535, example: "port: 22") {
            ssh.access.port = port
        }
        if let node = fields["host_key_policy"], let policy = readHostKeyPolicy(node, fields.label("host_key_policy")) {
            ssh.access.hostKeyPolicy = policy
        }
        if let dir = installDir(fields) { ssh.installDir = dir }
        if let node = fields["listen_addresses"], !reader.isNull(node) {
            let hosts = scheduler.flatMap { scheduler in workers.map { [scheduler] + $0 } }
            ssh.listenAddresses = readListenAddresses(node, fields, hosts: hosts)
        }
        if let seconds = duration(fields, "connect_timeout", example: "connect_timeout: 10s") {
            ssh.access.connectTimeout = seconds
        }
        guard scheduler != nil, workers != nil else { return nil }
        return ssh
    }

    private func requiredHost(_ fields: SchemaReader.Fields) -> String? {
        guard fields.isWritten("scheduler") else {
            reader.report(fields.position, "missing key \"provider.scheduler\" (the host that runs the Dask scheduler)",
                          hint: "add for example `scheduler: 10.0.0.5` under provider")
            return nil
        }
        return host(fields, "scheduler", example: "scheduler: 10.0.0.5")
    }

    private func readWorkerHosts(_ fields: SchemaReader.Fields) -> [String]? {
        let label = fields.label("workers")
        let example = "workers: [10.0.0.6, 10.0.0.7]"
        guard let node = fields["workers"] else {
            if !fields.isWritten("workers") {
                reader.report(fields.position, "missing key \"\(label)\" (the hosts that run Dask workers)", hint: "add for example `\(example)` under provider")
            }
            return nil
        }
        if reader.isNull(node) {
            reader.report(SourcePosition(node.mark), "\(label) needs at least one host", hint: "write for example \(example)")
            return nil
        }
        guard let items = reader.scalarList(node, label, example: example) else { return nil }
        guard !items.isEmpty else {
            reader.report(SourcePosition(node.mark), "\(label) needs at least one host", hint: "write for example \(example)")
            return nil
        }
        var hosts: [String] = []
        var firstSeen: [String: SourcePosition] = [:]
        var usable = true
        for item in items {
            if let problem = SpecValueRules.hostProblem(item.value) {
                reader.report(item.position, "host \"\(item.value)\" in \(label) \(problem)", hint: "write a host name or an IP address such as 10.0.0.6")
                usable = false
            } else if let first = firstSeen[item.value] {
                reader.report(item.position, "host \"\(item.value)\" is listed twice in \(label) (first at \(first.line):\(first.column))",
                              hint: "list each host once; use workers.per_node to run more worker processes on one host")
                usable = false
            } else {
                firstSeen[item.value] = item.position
                hosts.append(item.value)
            }
        }
        return usable ? hosts : nil
    }

    private func readHostKeyPolicy(_ node: Node, _ label: String) -> HostKeyPolicy? {
        guard let text = reader.string(node, label, example: "host_key_policy: strict") else { return nil }
        if let policy = HostKeyPolicy(rawValue: text) { return policy }
        if Self.hostKeyCheckingOff.contains(text.lowercased()) {
            reader.report(SourcePosition(node.mark), "host key checking cannot be turned off (\(label): \(text))",
                          hint: "write strict (only hosts already in known_hosts) or accept-new (trust a new host once, refuse changed keys)")
            return nil
        }
        return reader.choice(node, label, among: HostKeyPolicy.allCases.map(\.rawValue)).flatMap(HostKeyPolicy.init(rawValue:))
    }

    /// The `host: address` pairs; `hosts` (nil when the host list itself is wrong) are the keys allowed.
    private func readListenAddresses(_ node: Node, _ parent: SchemaReader.Fields, hosts: [String]?) -> [String: String] {
        let label = parent.label("listen_addresses")
        let position = parent.entries.first { $0.key == "listen_addresses" }?.keyPosition ?? parent.position
        guard let fields = reader.fields(of: node, path: label, at: position, allowed: nil) else { return [:] }
        var addresses: [String: String] = [:]
        for entry in fields.entries {
            if let hosts, !hosts.contains(entry.key) {
                var hint = "use the scheduler's or a worker's host exactly as written above"
                if let nearest = KeySuggestion.nearest(to: entry.key, among: hosts) { hint = "did you mean \"\(nearest)\"? (\(hint))" }
                reader.report(entry.keyPosition, "\(label) names \"\(entry.key)\", which is neither provider.scheduler nor one of provider.workers",
                              hint: hint)
                continue
            }
            if let address = host(fields, entry.key, example: "\(entry.key): 10.0.0.6") {
                addresses[entry.key] = address
            }
        }
        return addresses
    }

    // MARK: Shared value forms

    /// A host name or IP address under `key`, if written and valid.
    func host(_ fields: SchemaReader.Fields, _ key: String, example: String) -> String? {
        guard let node = fields[key], let host = reader.string(node, fields.label(key), example: example) else { return nil }
        if let problem = SpecValueRules.hostProblem(host) {
            reader.report(SourcePosition(node.mark), "\(fields.label(key)) \"\(host)\" \(problem)", hint: "write for example \(example)")
            return nil
        }
        return host
    }

    /// A remote install directory (`install_dir`, with the `{host}` placeholder), if written and valid.
    func installDir(_ fields: SchemaReader.Fields) -> String? {
        let example = "install_dir: /opt/clusterctl/{host}"
        guard let node = fields["install_dir"], let dir = reader.string(node, fields.label("install_dir"), example: example) else { return nil }
        if let problem = SpecValueRules.installDirProblem(dir) {
            reader.report(SourcePosition(node.mark), "\(fields.label("install_dir")) \"\(dir)\" \(problem)", hint: "write for example \(example)")
            return nil
        }
        return dir
    }

    /// A duration above zero under `key`, in seconds, if written and valid.
    func duration(_ fields: SchemaReader.Fields, _ key: String, example: String) -> Double? {
        guard let node = fields[key], let text = reader.string(node, fields.label(key), example: example) else { return nil }
        guard let seconds = Durations.parse(text), seconds > 0 else {
            reader.report(SourcePosition(node.mark), "\(fields.label(key)) must be a duration above zero such as 10s or 1m, not \"\(text)\"",
                          hint: "write for example \(example)")
            return nil
        }
        return seconds
    }

    /// A local file path under `key`, made absolute (`~` expanded, relative to the cluster file).
    func localPath(_ fields: SchemaReader.Fields, _ key: String, example: String) -> String? {
        guard let node = fields[key], let path = reader.string(node, fields.label(key), example: example) else { return nil }
        if let problem = SpecValueRules.localPathProblem(path) {
            reader.report(SourcePosition(node.mark), "\(fields.label(key)) \(problem)", hint: "write for example \(example)")
            return nil
        }
        return LocalUser.absolutePath(path, relativeTo: directory)
    }
}
