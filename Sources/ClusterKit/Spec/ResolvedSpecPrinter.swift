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
        }
        out.line("scheduler:")
        out.pair("port", String(spec.scheduler.port), indent: 1, note: spec.scheduler.port == 0 ? "0 picks a free port" : nil)
        out.pair("dashboard_port", String(spec.scheduler.dashboardPort), indent: 1,
                 note: spec.scheduler.dashboardPort == 0 ? "0 picks a free port" : nil)
        out.pair("idle_timeout", spec.scheduler.idleTimeout.map { Durations.format(Double($0)) } ?? SpecKeys.never, indent: 1)
        out.line("workers:")
        out.pair("count", String(spec.workers.count), indent: 1)
        out.pair("per_node", String(spec.workers.perNode), indent: 1)
        out.pair("threads", String(spec.workers.threads), indent: 1)
        out.pair("memory_limit", Sizes.format(spec.workers.memoryLimit), indent: 1)
        out.line("environment:")
        out.pair("python", scalar(spec.environment.python), indent: 1)
        out.list("packages", spec.environment.packages, indent: 1, note: "installed on top of the pinned set in templates/packages.txt")
        out.line("security:")
        out.pair("tls", spec.security.tls.rawValue, indent: 1, note: spec.security.tls == .off ? nil : "plain TCP until TLS lands")
        return out.text
    }

    private static func renderSSH(_ ssh: SSHProviderSpec, into out: inout Lines) {
        out.pair("kind", "ssh", indent: 1)
        out.pair("user", scalar(ssh.user), indent: 1)
        if let key = ssh.key {
            out.pair("key", scalar(key), indent: 1)
        } else {
            out.comment("key: not set; keys come from ssh-agent", indent: 1)
        }
        out.pair("port", String(ssh.port), indent: 1)
        if let knownHosts = ssh.knownHosts {
            out.pair("known_hosts", scalar(knownHosts), indent: 1)
        } else {
            out.comment("known_hosts: not set; only ~/.ssh/known_hosts and the cluster's own file are read", indent: 1)
        }
        out.pair("host_key_policy", ssh.hostKeyPolicy.rawValue, indent: 1)
        out.pair("scheduler", scalar(ssh.scheduler), indent: 1)
        out.list("workers", ssh.workers, indent: 1)
        if let installDir = ssh.installDir {
            out.pair("install_dir", scalar(installDir), indent: 1)
        } else {
            out.comment("install_dir: not set; /opt/clusterctl/<name> as root, else ~/.local/share/clusterctl/<name>", indent: 1)
        }
        if ssh.listenAddresses.isEmpty {
            out.comment("listen_addresses: not set; every host listens on its SSH address", indent: 1)
        } else {
            out.line("listen_addresses:", indent: 1)
            for host in ssh.listenAddresses.keys.sorted() {
                out.pair(scalar(host), scalar(ssh.listenAddresses[host] ?? host), indent: 2)
            }
        }
        out.pair("connect_timeout", Durations.format(ssh.connectTimeout), indent: 1)
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

        /// A block list, or `[]` when empty.
        mutating func list(_ key: String, _ items: [String], indent: Int, note: String? = nil) {
            guard !items.isEmpty else { pair(key, "[]", indent: indent, note: note); return }
            line("\(key):" + (note.map { "  # \($0)" } ?? ""), indent: indent)
            for item in items { line("- \(scalar(item))", indent: indent + 1) }
        }
    }
}
