import Foundation

/// Renders a `ClusterSpec` as a YAML-lite cluster file with every default written out:
/// what `clusterctl validate FILE` prints.
///
/// Uses the file's key names, sizes like `2GiB` and durations like `2h`. Loading the output
/// again gives an equal spec (apart from `sourcePath`). Settings that are unset (an SSH key
/// left to ssh-agent, say) appear as comments that say what happens instead.
public enum ResolvedSpecPrinter {
    public static func render(_ spec: ClusterSpec) -> String {
        var out = Lines()
        if let path = spec.sourcePath { out.comment("Resolved from \(path); every default is written out.") }
        out.pair("name", scalar(spec.name))
        out.line("provider:")
        switch spec.provider {
        case .local(let local):
            out.pair("kind", "local", indent: 1)
            out.pair("host", scalar(local.host), indent: 1)
        case .ssh(let ssh):
            renderSSH(ssh, into: &out)
        case .ec2(let ec2):
            renderEC2(ec2, into: &out)
        }
        out.optional("state", spec.stateURL.map(scalar), indent: 1, otherwise: "state: not set; kept under the state home")
        out.line("scheduler:")
        out.pair("port", String(spec.scheduler.port), indent: 1, note: spec.scheduler.port == 0 ? "0 picks a free port" : nil)
        out.pair("dashboard_port", String(spec.scheduler.dashboardPort), indent: 1,
                 note: spec.scheduler.dashboardPort == 0 ? "0 picks a free port" : nil)
        out.pair("dashboard", spec.scheduler.dashboard.rawValue, indent: 1,
                 note: spec.scheduler.dashboard == .local ? "on the scheduler's loopback; `clusterctl dashboard \(spec.name)` brings it here"
                     : "reachable by anyone who can reach the scheduler, with no authentication")
        out.pair("idle_timeout", spec.scheduler.idleTimeout.map { Durations.format(Double($0)) } ?? SpecKeys.never, indent: 1)
        out.line("workers:")
        out.pair("count", String(spec.workers.count), indent: 1)
        out.pair("per_node", String(spec.workers.perNode), indent: 1)
        out.pair("threads", String(spec.workers.threads), indent: 1)
        out.pair("memory_limit", Sizes.format(spec.workers.memoryLimit), indent: 1)
        out.line("environment:")
        out.pair("python", scalar(spec.environment.python), indent: 1)
        out.pair("base", spec.environment.base.rawValue, indent: 1,
                 note: spec.environment.base == .complete ? "what dask[complete] lists: numpy, pandas, pyarrow, bokeh, ..." : "dask and distributed only")
        out.list("packages", spec.environment.packages, indent: 1, note: "installed on top of the pinned set in templates/packages.txt")
        out.pair("match_client", spec.environment.matchClient.map(scalar) ?? SpecKeys.none, indent: 1,
                 note: spec.environment.matchClient == nil ? "the cluster's Dask versions are the pinned set's" : "Python and Dask versions pinned to this interpreter's")
        out.pair("offline", spec.environment.offline.rawValue, indent: 1, note: offlineNote(spec))
        out.line("security:")
        out.pair("tls", spec.security.tls.rawValue, indent: 1,
                 note: spec.security.tls == .auto ? (spec.usesTLS ? "on: mutual TLS, remote scheduler" : "off: everything on this machine") : nil)
        out.line("lifetime:")
        out.pair("max", spec.lifetime?.max.map { Durations.format(Double($0)) } ?? SpecKeys.never, indent: 1)
        out.pair("no_client", spec.lifetime?.noClient.map { Durations.format(Double($0)) } ?? SpecKeys.never, indent: 1)
        return out.text
    }

    /// What `environment.offline` means for this provider.
    private static func offlineNote(_ spec: ClusterSpec) -> String {
        if case .local = spec.provider { return "the local provider installs with this machine's own index access" }
        var fromS3 = false
        if case .ec2 = spec.provider, spec.stateURL != nil { fromS3 = true }
        switch spec.environment.offline {
        case .auto where fromS3: return "instances that cannot reach the package index get wheels from here through the state's S3 bucket"
        case .auto: return "nodes that cannot reach the package index get wheels shipped from here"
        case .on where fromS3: return "wheels fetched once here, put in the state's S3 bucket; instances download them and install with no index"
        case .on: return "wheels fetched once here, shipped over SSH; nodes install with no index"
        case .off: return "every node installs from the package index itself"
        }
    }

    private static func renderSSH(_ ssh: SSHProviderSpec, into out: inout Lines) {
        out.pair("kind", "ssh", indent: 1)
        out.pair("user", scalar(ssh.access.user), indent: 1)
        out.optional("key", ssh.access.key.map(scalar), indent: 1, otherwise: "key: not set; keys come from ssh-agent")
        out.pair("port", String(ssh.access.port), indent: 1)
        out.optional("known_hosts", ssh.access.knownHosts.map(scalar), indent: 1, otherwise: "known_hosts: not set; only ~/.ssh/known_hosts and the cluster's own file are read")
        out.pair("host_key_policy", ssh.access.hostKeyPolicy.rawValue, indent: 1)
        out.pair("scheduler", scalar(ssh.scheduler), indent: 1)
        out.list("workers", ssh.workers, indent: 1)
        out.optional("install_dir", ssh.installDir.map(scalar), indent: 1, otherwise: "install_dir: not set; /opt/clusterctl/<name> as root, else ~/.local/share/clusterctl/<name>")
        if ssh.listenAddresses.isEmpty {
            out.comment("listen_addresses: not set; every host listens on its SSH address", indent: 1)
        } else {
            out.line("listen_addresses:", indent: 1)
            for host in ssh.listenAddresses.keys.sorted() {
                out.pair(scalar(host), scalar(ssh.listenAddresses[host] ?? host), indent: 2)
            }
        }
        out.pair("connect_timeout", Durations.format(ssh.access.connectTimeout), indent: 1)
    }

    private static func renderEC2(_ ec2: EC2ProviderSpec, into out: inout Lines) {
        out.pair("kind", "ec2", indent: 1)
        out.optional("region", ec2.region.map(scalar), indent: 1, otherwise: "region: not set; AWS_REGION, AWS_DEFAULT_REGION or the profile's region")
        out.pair("ami", scalar(ec2.ami), indent: 1, note: ec2.ami.hasPrefix("ami-") ? nil : "the newest such image in the region")
        out.pair("scheduler_instance_type", scalar(ec2.schedulerInstanceType), indent: 1)
        out.pair("worker_instance_type", scalar(ec2.workerInstanceType), indent: 1)
        out.optional("key", ec2.key.map(scalar), indent: 1, otherwise: "key: not set; clusterctl makes an ed25519 key for the cluster in its state directory")
        out.pair("ssh_user", scalar(ec2.sshUser), indent: 1)
        out.optional("subnet", ec2.subnet.map(scalar), indent: 1, otherwise: "subnet: not set; the default VPC's subnets, the next zone when one has no capacity")
        if let cidrs = ec2.allowedCIDRs {
            out.list("allowed_cidrs", cidrs, indent: 1)
        } else {
            out.comment("allowed_cidrs: not set; only your own public address (from checkip.amazonaws.com)", indent: 1)
        }
        out.pair("spot", ec2.spot ? "true" : "false", indent: 1)
        out.optional("root_volume_size", ec2.rootVolumeSize.map { "\($0)GiB" }, indent: 1, otherwise: "root_volume_size: not set; the image's own size")
        out.optional("iam_instance_profile", ec2.iamInstanceProfile.map(scalar), indent: 1, otherwise: "iam_instance_profile: not set; the instances get no IAM role")
        if ec2.tags.isEmpty {
            out.comment("tags: not set; only clusterctl's own tags", indent: 1)
        } else {
            out.line("tags:", indent: 1)
            for key in ec2.tags.keys.sorted() { out.pair(scalar(key), scalar(ec2.tags[key] ?? ""), indent: 2) }
        }
        out.optional("endpoint_url", ec2.endpointURL.map(scalar), indent: 1, otherwise: "endpoint_url: not set; AWS itself, or AWS_ENDPOINT_URL")
        out.optional("install_dir", ec2.installDir.map(scalar), indent: 1, otherwise: "install_dir: not set; ~/.local/share/clusterctl/<name> of ssh_user")
        out.pair("ssh_timeout", Durations.format(ec2.sshTimeout), indent: 1)
    }

    /// `text` as a YAML scalar: plain when that reads back unchanged, else double-quoted.
    static func scalar(_ text: String) -> String {
        let plainFirst = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./~+")
        let plainRest = plainFirst.union("-=<>!*,@{}[]")
        let reserved: Set<String> = ["", "~", "null", "Null", "NULL", "never"]
        if let first = text.first, plainFirst.contains(first), text.allSatisfy(plainRest.contains),
           !reserved.contains(text) {
            return text
        }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            case let s where s.properties.generalCategory == .control:
                quoted += String(format: "\\u%04X", s.value)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    /// The output, two spaces per indentation level.
    private struct Lines {
        private(set) var text = ""

        mutating func line(_ content: String, indent: Int = 0) {
            text += String(repeating: "  ", count: indent) + content + "\n"
        }

        mutating func comment(_ content: String, indent: Int = 0) {
            line("# " + content, indent: indent)
        }

        mutating func pair(_ key: String, _ value: String, indent: Int = 0, note: String? = nil) {
            line("\(key): \(value)" + (note.map { "  # \($0)" } ?? ""), indent: indent)
        }

        /// `key: value`, or a comment saying what happens instead when there is no value.
        mutating func optional(_ key: String, _ value: String?, indent: Int, otherwise: String) {
            if let value { pair(key, value, indent: indent) } else { comment(otherwise, indent: indent) }
        }

        /// A block list, or `[]` when empty.
        mutating func list(_ key: String, _ items: [String], indent: Int, note: String? = nil) {
            guard !items.isEmpty else { pair(key, "[]", indent: indent, note: note); return }
            line("\(key):" + (note.map { "  # \($0)" } ?? ""), indent: indent)
            for item in items { line("- \(scalar(item))", indent: indent + 1) }
        }
    }
}
