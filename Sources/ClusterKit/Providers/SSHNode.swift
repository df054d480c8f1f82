/// What clusterctl learned about one SSH host on first contact, and where it keeps things there.
struct SSHNode {
    let host: String
    let runner: CommandRunner
    /// `<install_dir>` with `{host}` replaced and `~` resolved on the host.
    let installDirectory: String
    let keeper: ServiceKeeper

    var environmentDirectory: String { installDirectory + "/env" }
    var runtimeDirectory: String { installDirectory + "/run" }
    var logDirectory: String { installDirectory + "/logs" }

    /// Asks the host who we are there and whether systemd runs, in one round trip, and picks
    /// the service keeper: systemd units when systemd is PID 1 and we are root or have
    /// passwordless sudo, else clusterctl's detached supervisor.
    static func probe(host: String, runner: CommandRunner, cluster: String, spec: SSHProviderSpec,
                      python: String) throws -> SSHNode {
        let script = """
        id -u
        printf '%s\\n' "$HOME"
        if [ -d /run/systemd/system ]; then echo systemd; else echo none; fi
        if [ "$(id -u)" = 0 ]; then echo root; elif sudo -n true 2>/dev/null; then echo sudo; else echo user; fi
        """
        let result = try runner.run(script, timeout: 30)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard result.exitCode == 0, lines.count >= 4 else {
            throw ClusterError("\(host): could not inspect the host", details: result.tail())
        }
        let isRoot = lines[0] == "0"
        let home = lines[1]
        let defaultDirectory = isRoot ? "/opt/clusterctl/\(cluster)" : "\(home)/.local/share/clusterctl/\(cluster)"
        var directory = (spec.installDir ?? defaultDirectory).replacingOccurrences(of: "{host}", with: host)
        if directory == "~" || directory.hasPrefix("~/") { directory = home + directory.dropFirst() }
        let keeper: ServiceKeeper
        if lines[2] == "systemd" && lines[3] != "user" {
            keeper = SystemdKeeper(runner: runner, cluster: cluster, runtimeDirectory: directory + "/run",
                                   sudo: lines[3] == "sudo", user: isRoot ? nil : spec.user)
        } else {
            keeper = DetachedKeeper(runner: runner, cluster: cluster, python: python,
                                    runtimeDirectory: directory + "/run", logDirectory: directory + "/logs")
        }
        return SSHNode(host: host, runner: runner, installDirectory: directory, keeper: keeper)
    }
}
