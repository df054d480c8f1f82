import Foundation

/// The `ssh` provider: a scheduler host and a pool of worker hosts reached over SSH. Each host
/// gets its environment under `install_dir`, and its services as systemd units or under the
/// detached supervisor. The scheduler's HTTP server stays on its host's loopback and is read
/// through an SSH tunnel.
public final class SSHBackend: ClusterBackend {
    private let cluster: String
    private let ssh: SSHProviderSpec
    private let python: String
    private let connect: (String) throws -> CommandRunner
    private let lock = NSLock()
    private var nodes: [String: SSHNode] = [:]
    private var connecting: [String: NSLock] = [:]
    private var tunnels: [Int: PortForward] = [:]

    private var facts: [String: NodeFacts]

    /// A backend for `spec`; `connect` opens a runner to a host (an `SSHRunner` in production);
    /// `facts` are what hosts already told an earlier command.
    public init(spec: ClusterSpec, ssh: SSHProviderSpec, facts: [String: NodeFacts],
                connect: @escaping (String) throws -> CommandRunner) {
        cluster = spec.name
        self.ssh = ssh
        python = spec.environment.python
        self.facts = facts
        self.connect = connect
    }

    public var nodeFacts: [String: NodeFacts] { lock.withLock { facts } }

    deinit {
        tunnels.values.forEach { $0.close() }
    }

    public var schedulerNode: String { ssh.scheduler }

    public var supervisorKind: String {
        lock.withLock { nodes[ssh.scheduler]?.keeper.kind } ?? "detached"
    }

    public var environmentPath: String? {
        lock.withLock { nodes[ssh.scheduler]?.environmentDirectory }
    }

    /// The node `host`, connecting and probing it on first use (once, however many threads ask).
    func node(_ host: String) throws -> SSHNode {
        let hostLock = lock.withLock { () -> NSLock in
            if let existing = connecting[host] { return existing }
            let made = NSLock()
            connecting[host] = made
            return made
        }
        return try hostLock.withLock {
            if let known = lock.withLock({ nodes[host] }) { return known }
            let runner = try connect(host)
            let known = lock.withLock { facts[host] }
            let hostFacts = try known ?? SSHNode.probe(host: host, runner: runner)
            let node = SSHNode(host: host, runner: runner, facts: hostFacts, cluster: cluster, spec: ssh, python: python)
            lock.withLock {
                facts[host] = hostFacts
                nodes[host] = node
            }
            return node
        }
    }

    /// Service name of the workers on `host`.
    static func serviceName(cluster: String, host: String) -> String {
        "\(cluster)-" + host.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "-" }
    }

    public func place(adding count: Int, beside existing: [ServiceRecord], spec: ClusterSpec) throws -> [(service: String, node: String, count: Int)] {
        let used = Set(existing.map(\.node))
        let free = ssh.workers.filter { !used.contains($0) }
        let perNode = spec.workers.perNode
        let needed = (count + perNode - 1) / perNode
        guard needed <= free.count else {
            let total = existing.reduce(0) { $0 + $1.liveWorkerNames.count } + count
            throw ClusterError("\(total) workers at \(perNode) per node need \(existing.count + needed) worker hosts, "
                               + "but the pool has \(ssh.workers.count); add hosts to provider.workers or raise workers.per_node",
                               exitCode: 2)
        }
        var left = count
        return free.prefix(needed).map { host in
            let here = min(perNode, left)
            left -= here
            return (Self.serviceName(cluster: cluster, host: host), host, here)
        }
    }

    public func endpoint(for spec: ClusterSpec) throws -> SchedulerEndpoint {
        let node = try node(ssh.scheduler)
        let host = ssh.listenAddress(for: ssh.scheduler)
        // Both ports checked (or, for 0, picked) by binding them on the node, in one round trip.
        let code = """
        import socket, sys
        for host, port, key in zip(*[iter(sys.argv[1:])] * 3):
            s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, int(port)))
            except OSError as e:
                sys.exit(f"{key} {port} {host} {e.strerror}")
            print(s.getsockname()[1])
        """
        let argv = [python, "-c", code, host, String(spec.scheduler.port), "port",
                    "127.0.0.1", String(spec.scheduler.dashboardPort), "dashboard_port"]
        let result = try node.runner.run(ShellQuote.join(argv), timeout: 30)
        let ports = result.stdout.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard result.exitCode == 0, ports.count == 2 else {
            let words = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 3).map(String.init)
            guard words.count == 4 else {
                throw ClusterError("\(node.host): could not check the scheduler's ports", details: result.tail())
            }
            throw ClusterError("\(node.host): \(words[0] == "port" ? "scheduler" : "dashboard") port \(words[1]) on \(words[2]) "
                               + "is not available (\(words[3])); stop what uses it or set scheduler.\(words[0]) to another port "
                               + "(0 picks a free one)")
        }
        return SchedulerEndpoint(host: host, port: ports[0], dashboardPort: ports[1])
    }

    public func schedulerAPI(_ endpoint: SchedulerEndpoint) throws -> SchedulerAPI {
        if let tunnel = lock.withLock({ tunnels[endpoint.dashboardPort] }) {
            return SchedulerAPI(port: tunnel.localPort)
        }
        let tunnel = try node(ssh.scheduler).runner.forward(to: "127.0.0.1", port: endpoint.dashboardPort)
        lock.withLock { tunnels[endpoint.dashboardPort] = tunnel }
        return SchedulerAPI(port: tunnel.localPort)
    }

    public func running(_ services: [ServiceRecord], cluster: String) throws -> Set<String> {
        let groups = Array(Dictionary(grouping: services, by: \.node))
        // Every host at once; an unreachable host runs nothing we can vouch for.
        let results = concurrently(groups) { host, group in
            try self.node(host).keeper.running(group.map { ($0.name, $0.role) })
        }
        return results.reduce(into: Set<String>()) { running, result in
            if case .success(let names) = result { running.formUnion(names) }
        }
    }

    public func prepareEnvironment(on host: String, spec: ClusterSpec, report: (String) -> Void) throws {
        let node = try node(host)
        _ = try EnvironmentInstaller(runner: node.runner).prepare(
            spec.environment, directory: node.environmentDirectory, allowSystemInstall: true,
            then: try node.keeper.installCommand(), onStep: report)
    }

    public func startScheduler(_ spec: ClusterSpec, endpoint: SchedulerEndpoint) throws -> ServiceRecord {
        let node = try node(ssh.scheduler)
        let argv = DaskCommands(environment: node.environmentDirectory).scheduler(spec, endpoint: endpoint)
        let pid = try node.keeper.start("scheduler", role: .scheduler, argv: argv,
                                        environment: DaskCommands.schedulerEnvironment(runtimeDirectory: node.runtimeDirectory))
        return ServiceRecord(name: "scheduler", role: .scheduler, node: node.host, pid: pid)
    }

    public func startWorkers(_ spec: ClusterSpec, endpoint: SchedulerEndpoint, service: String, node host: String,
                             count: Int) throws -> ServiceRecord {
        let node = try node(host)
        let argv = DaskCommands(environment: node.environmentDirectory)
            .worker(spec, scheduler: endpoint, name: service, count: count, listenHost: ssh.listenAddress(for: host))
        let pid = try node.keeper.start(service, role: .worker, argv: argv, environment: DaskCommands.workerEnvironment)
        return ServiceRecord(name: service, role: .worker, node: host, pid: pid, workerCount: count)
    }

    public func stop(_ service: ServiceRecord, cluster: String) throws {
        try node(service.node).keeper.stop(service.name, role: service.role)
    }

    public func logSource(for service: ServiceRecord, cluster: String, tail: Int, follow: Bool) throws -> (CommandRunner, String) {
        let node = try node(service.node)
        return (node.runner, node.keeper.logCommand(service.name, role: service.role, tail: tail, follow: follow))
    }

    public func runner(for host: String) throws -> CommandRunner { try node(host).runner }

    public func purge(_ host: String) throws {
        let node = try node(host)
        try node.keeper.purge()
        let result = try node.runner.run("rm -rf " + ShellQuote.quote(node.installDirectory), timeout: 120)
        guard result.exitCode == 0 else {
            throw ClusterError("\(host): could not remove \(node.installDirectory)", details: result.tail())
        }
    }
}
