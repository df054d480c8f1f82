import Foundation

/// Nodes reached over SSH: the `ssh` provider's host pool and the `ec2` provider's instances.
/// Each node gets its environment under `install_dir`, and its services as systemd units or
/// under the detached supervisor. The scheduler's HTTP server stays on its node's loopback and
/// is read through an SSH tunnel. Which nodes exist is the `NodeProvider`'s business.
///
/// Every mutable property (records, addresses, nodes, connecting, tunnels, facts, probed) is
/// read and written under `lock` only; each node's first connection is made under that node's
/// own lock in `connecting`. That is what makes it safe to share between threads.
public final class SSHBackend: ClusterBackend, @unchecked Sendable {
    public let nodeProvider: NodeProvider
    private let cluster: String
    private let access: SSHAccess
    private let installDir: String?
    private let python: String
    /// True when the scheduler listens on every interface and clients use the node's public
    /// address (ec2, where that address is not on any interface of the instance).
    private let schedulerBindsEverywhere: Bool
    private let connect: (_ node: NodeRecord, _ address: String) throws -> CommandRunner
    /// Where node certificates come from (nil: the cluster runs without TLS).
    let tls: ClusterTLS?
    /// How wheels reach nodes that install offline.
    let wheelDelivery: WheelDelivery
    private let lock = NSLock()
    private var records: [String: NodeRecord] = [:]
    private var addresses: [String: (ssh: String, listen: String)] = [:]
    private var nodes: [String: SSHNode] = [:]
    private var connecting: [String: NSLock] = [:]
    private var tunnels: [Int: PortForward] = [:]

    private var facts: [String: NodeFacts]
    /// Facts hosts gave earlier clusters (nil: none kept, as for launched instances).
    private let hostFacts: HostFactsCache?
    /// Nodes whose facts this backend asked for itself, rather than took from the state.
    private var probed: Set<String> = []

    /// A backend for `spec` on the nodes of `nodeProvider` (those of a fixed pool are known at
    /// once; launched ones once `use(_:)` hands them over); `connect` opens a runner to a node's
    /// address (an `SSHRunner` in production); `facts` are what nodes already told an earlier command,
    /// `hostFacts` what hosts told earlier clusters; `wheelDelivery` how wheels reach nodes that
    /// install offline.
    public init(spec: ClusterSpec, access: SSHAccess, installDir: String?, nodeProvider: NodeProvider,
                facts: [String: NodeFacts], hostFacts: HostFactsCache? = nil, schedulerBindsEverywhere: Bool = false,
                tls: ClusterTLS? = nil, wheelDelivery: WheelDelivery = .ssh,
                connect: @escaping (_ node: NodeRecord, _ address: String) throws -> CommandRunner) {
        cluster = spec.name
        self.access = access
        self.installDir = installDir
        self.nodeProvider = nodeProvider
        python = spec.environment.python
        self.facts = facts
        self.hostFacts = hostFacts
        self.schedulerBindsEverywhere = schedulerBindsEverywhere
        self.tls = tls
        self.wheelDelivery = wheelDelivery
        self.connect = connect
        if !nodeProvider.makesNodes, let pool = try? nodeProvider.list() { use(pool) }
    }

    public var nodeFacts: [String: NodeFacts] { lock.withLock { facts } }

    deinit {
        tunnels.values.forEach { $0.close() }
    }

    public var supervisorKind: SupervisorKind {
        lock.withLock { nodes[schedulerNode]?.keeper.kind } ?? .detached
    }

    public var environmentPath: String? {
        lock.withLock { nodes[schedulerNode]?.environmentDirectory }
    }

    public func use(_ records: [NodeRecord]) {
        lock.withLock {
            for record in records {
                guard let address = record.sshAddress else { continue }
                self.records[record.id] = record
                addresses[record.id] = (address, record.privateAddress ?? address)
            }
        }
    }

    /// The SSH and listen addresses of node `id`.
    private func address(of id: String) throws -> (ssh: String, listen: String) {
        guard let address = lock.withLock({ addresses[id] }) else {
            throw ClusterError("\(id): no address is known for this node yet; run `clusterctl up` to finish launching it")
        }
        return address
    }

    /// The node `id`, connecting and probing it on first use (once, however many threads ask).
    func node(_ id: String) throws -> SSHNode {
        let nodeLock = lock.withLock { () -> NSLock in
            if let existing = connecting[id] { return existing }
            let made = NSLock()
            connecting[id] = made
            return made
        }
        return try nodeLock.withLock {
            if let known = lock.withLock({ nodes[id] }) { return known }
            let address = try address(of: id).ssh
            let record = lock.withLock { records[id] } ?? NodeRecord(id: id, role: .worker, phase: .running)
            let runner = try connect(record, address)
            let known = lock.withLock { facts[id] } ?? hostFacts?.facts(user: access.user, host: address, port: access.port)
            let nodeFacts = try known ?? SSHNode.probe(host: id == address ? id : "\(id) (\(address))", runner: runner)
            if known == nil { hostFacts?.save(nodeFacts, user: access.user, host: address, port: access.port) }
            let node = SSHNode(host: address, runner: runner, facts: nodeFacts, cluster: cluster, user: access.user,
                               installDir: installDir, python: python, powerOffWhenEnded: nodeProvider.makesNodes)
            lock.withLock {
                facts[id] = nodeFacts
                nodes[id] = node
                if known == nil { probed.insert(id) }
            }
            return node
        }
    }

    /// `body` on node `id`. Facts kept from an earlier command go stale when the host changes:
    /// when `body` fails on a node known only from such facts, the host is asked again, and if
    /// its answers differ the node is rebuilt from them (they replace the old ones in the state)
    /// and `body` runs once more; otherwise the failure stands.
    func onNode<T>(_ id: String, _ body: (SSHNode) throws -> T) throws -> T {
        let node = try node(id)
        do {
            return try body(node)
        } catch let failure {
            guard lock.withLock({ probed.insert(id).inserted }),
                  let fresh = try? SSHNode.probe(host: node.host, runner: node.runner), fresh != node.facts else {
                throw failure
            }
            let rebuilt = SSHNode(host: node.host, runner: node.runner, facts: fresh, cluster: cluster, user: access.user,
                                  installDir: installDir, python: python, powerOffWhenEnded: nodeProvider.makesNodes)
            lock.withLock {
                facts[id] = fresh
                nodes[id] = rebuilt
            }
            if let address = try? address(of: id).ssh {
                hostFacts?.save(fresh, user: access.user, host: address, port: access.port)
            }
            return try body(rebuilt)
        }
    }

    /// Service name of the workers on node `id`.
    static func serviceName(cluster: String, node id: String) -> String {
        "\(cluster)-" + id.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "-" }
    }

    /// New worker hosts first; when the pool has too few, hosts whose service runs fewer than
    /// `per_node` workers (after a partial scale-down, or started short) are refilled: their
    /// service is placed again under its own name with the larger count, which the planner
    /// turns into a graceful retirement of its live workers and a new start.
    public func place(adding count: Int, beside existing: [ServiceRecord], spec: ClusterSpec) throws -> [(service: String, node: String, count: Int)] {
        let perNode = spec.workers.perNode
        let needed = (count + perNode - 1) / perNode
        do {
            return spread(count, perNode: perNode,
                          over: try nodeProvider.newWorkerNodeIds(count: needed, used: Set(existing.map(\.node))))
        } catch let exhausted as FixedNodesExhausted {
            let freeHosts = max(0, exhausted.pool - Set(existing.map(\.node)).count)
            let onNew = min(count, freeHosts * perNode)
            var toRefill = count - onNew
            var refills: [(service: String, node: String, count: Int)] = []
            for service in existing where toRefill > 0 {
                let live = service.liveWorkerNames.count
                let add = min(perNode - live, toRefill)
                guard add > 0 else { continue }
                refills.append((service.name, service.node, live + add))
                toRefill -= add
            }
            guard toRefill == 0 else {
                let total = existing.reduce(0) { $0 + $1.liveWorkerNames.count } + count
                throw ClusterError("\(total) workers at \(perNode) per node need \((total + perNode - 1) / perNode) worker hosts, "
                                   + "but the pool has \(exhausted.pool); add hosts to provider.workers or raise workers.per_node",
                                   exitCode: 2)
            }
            let ids = onNew == 0 ? [] : try nodeProvider.newWorkerNodeIds(count: (onNew + perNode - 1) / perNode,
                                                                           used: Set(existing.map(\.node)))
            return spread(onNew, perNode: perNode, over: ids) + refills
        }
    }

    /// `count` workers over `ids`, `perNode` each until they run out.
    private func spread(_ count: Int, perNode: Int, over ids: [String]) -> [(service: String, node: String, count: Int)] {
        var left = count
        return ids.map { id in
            let here = min(perNode, left)
            left -= here
            return (Self.serviceName(cluster: cluster, node: id), id, here)
        }
    }

    public func endpoint(for spec: ClusterSpec) throws -> SchedulerEndpoint {
        let node = try node(schedulerNode)
        let addresses = try address(of: schedulerNode)
        let host = addresses.listen
        let bindHost = schedulerBindsEverywhere ? "0.0.0.0" : host
        let dashboardHost: String? = spec.scheduler.dashboard == .public ? bindHost : nil
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
        let argv = ["-c", code, bindHost, String(spec.scheduler.port), "port",
                    dashboardHost ?? "127.0.0.1", String(spec.scheduler.dashboardPort), "dashboard_port"]
        let interpreter = ShellQuote.preferring(node.environmentDirectory + "/bin/python", over: python)
        let result = try node.runner.run(interpreter + " " + ShellQuote.join(argv), timeout: 30)
        let ports = result.stdout.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard result.exitCode == 0, ports.count == 2 else {
            let words = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 3).map(String.init)
            guard words.count == 4 else {
                throw ClusterError("\(node.host): could not check the scheduler's ports", details: result.tail())
            }
            throw ClusterError("\(node.host): \(words[0] == "port" ? "scheduler" : "dashboard") port \(words[1]) on \(words[2]) "
                               + "is not available (\(words[3])); stop what uses it or set scheduler.\(words[0]) to another port "
                               + "(0 picks a free one)", reason: .portTaken)
        }
        return SchedulerEndpoint(host: host, port: ports[0], dashboardPort: ports[1],
                                 publicHost: schedulerBindsEverywhere ? addresses.ssh : nil,
                                 bindHost: schedulerBindsEverywhere ? bindHost : nil, tls: tls != nil,
                                 dashboardHost: dashboardHost)
    }

    /// Through a tunnel over the scheduler node's SSH connection, kept for the backend's life
    /// and opened again (on a new connection) once the one it ran over has broken.
    public func schedulerAPI(_ endpoint: SchedulerEndpoint) throws -> SchedulerAPI {
        if let tunnel = lock.withLock({ tunnels[endpoint.dashboardPort] }) {
            if tunnel.isOpen { return SchedulerAPI(port: tunnel.localPort) }
            tunnel.close()
            lock.withLock { tunnels[endpoint.dashboardPort] = nil }
        }
        let tunnel = try node(schedulerNode).runner.forward(to: endpoint.dashboardReachHost, port: endpoint.dashboardPort)
        lock.withLock { tunnels[endpoint.dashboardPort] = tunnel }
        return SchedulerAPI(port: tunnel.localPort)
    }

    public func states(of services: [ServiceRecord], cluster: String) throws -> ServiceStates {
        let groups = Array(Dictionary(grouping: services, by: \.node))
        // Every host at once; the services of a host that cannot be asked are unknown.
        let results = concurrently(groups) { host, group in
            try self.onNode(host) { try $0.keeper.check(group.map { ($0.name, $0.role) }) }
        }
        var states = ServiceStates()
        for ((host, group), result) in zip(groups, results) {
            switch result {
            case .success(let check): states.record(check)
            case .failure(let error):
                for service in group { states.unknown[service.name] = "\(host): \(error)" }
            }
        }
        return states
    }

    public func reach(_ id: String) throws {
        _ = try node(id)
    }

    public func prepareEnvironment(on id: String, spec: ClusterSpec, report: (String) -> Void) throws {
        _ = try onNode(id) { node in try node.prepareEnvironment(spec.environment, delivery: wheelDelivery, onStep: report) }
    }

    public func startScheduler(_ spec: ClusterSpec, endpoint: SchedulerEndpoint) throws -> ServiceRecord {
        try onNode(schedulerNode) { node in
            let (argv, environment) = schedulerDefinition(spec, endpoint: endpoint, node: node,
                                                          tls: try installTLS(on: schedulerNode, node: node))
            let pid = try node.keeper.start("scheduler", role: .scheduler, argv: argv, environment: environment)
            return ServiceRecord(name: "scheduler", role: .scheduler, node: schedulerNode, pid: pid)
        }
    }

    public func startWorkers(_ spec: ClusterSpec, endpoint: SchedulerEndpoint, service: String, node id: String,
                             count: Int) throws -> ServiceRecord {
        try onNode(id) { node in
            let (argv, environment) = try workerDefinition(spec, endpoint: endpoint, name: service, count: count, on: id,
                                                           node: node, tls: try installTLS(on: id, node: node))
            let pid = try node.keeper.start(service, role: .worker, argv: argv, environment: environment)
            return ServiceRecord(name: service, role: .worker, node: id, pid: pid, workerCount: count)
        }
    }

    public func redefineWorkers(_ spec: ClusterSpec, endpoint: SchedulerEndpoint, service: ServiceRecord) throws {
        guard let naming = DaskCommands.workerNaming(service: service.name, live: service.liveWorkerNames) else { return }
        try onNode(service.node) { node in
            // The certificate in place stays: the running workers use it.
            let tls = self.tls.map { _ in NodeTLSInstaller.paths(in: node.tlsDirectory) }
            let (argv, environment) = try workerDefinition(spec, endpoint: endpoint, name: naming.name, count: naming.count,
                                                           on: service.node, node: node, tls: tls)
            try node.keeper.redefine(service.name, role: .worker, argv: argv, environment: environment)
        }
    }

    /// The command and environment of the scheduler service on `node`.
    func schedulerDefinition(_ spec: ClusterSpec, endpoint: SchedulerEndpoint, node: SSHNode,
                                     tls: NodeTLSPaths?) -> (argv: [String], environment: [String: String]) {
        let argv = DaskCommands(environment: node.environmentDirectory).scheduler(spec, endpoint: endpoint, tls: tls)
        let environment = DaskCommands.schedulerEnvironment(runtimeDirectory: node.runtimeDirectory, lifetime: spec.lifetime)
            .merging(DaskCommands.tlsEnvironment(tls)) { $1 }
        return (argv, environment)
    }

    /// The command and environment of a worker service on node `id`.
    func workerDefinition(_ spec: ClusterSpec, endpoint: SchedulerEndpoint, name: String, count: Int, on id: String,
                                  node: SSHNode, tls: NodeTLSPaths?) throws -> (argv: [String], environment: [String: String]) {
        let argv = DaskCommands(environment: node.environmentDirectory)
            .worker(spec, scheduler: endpoint, name: name, count: count, listenHost: try address(of: id).listen, tls: tls,
                    localDirectory: node.workDirectory)
        return (argv, DaskCommands.workerEnvironment(count: count).merging(DaskCommands.tlsEnvironment(tls)) { $1 })
    }

    /// Gives node `id` a fresh certificate from the cluster's authority before a service starts
    /// there; nil when the cluster runs without TLS.
    private func installTLS(on id: String, node: SSHNode) throws -> NodeTLSPaths? {
        guard let tls else { return nil }
        return try install(try tls.credential(for: id, addresses: certificateAddresses(of: id)), on: node)
    }

    public func certificateAddresses(of id: String) throws -> [String] {
        let addresses = try address(of: id)
        return [addresses.ssh, addresses.listen]
    }

    public func installTLS(_ files: NodeTLSFiles, on id: String) throws -> NodeTLSPaths {
        try onNode(id) { try install(files, on: $0) }
    }

    private func install(_ files: NodeTLSFiles, on node: SSHNode) throws -> NodeTLSPaths {
        try NodeTLSInstaller.install(files, runner: node.runner, directory: node.tlsDirectory,
                                     stagingDirectory: node.runtimeDirectory, owner: node.serviceUser, sudo: node.sudo)
    }

    public func stop(_ service: ServiceRecord, cluster: String) throws {
        try onNode(service.node) { try $0.keeper.stop(service.name, role: service.role) }
    }

    public func logSource(for service: ServiceRecord, cluster: String, tail: Int, follow: Bool) throws -> (CommandRunner, String) {
        let node = try node(service.node)
        return (node.runner, node.keeper.logCommand(service.name, role: service.role, tail: tail, follow: follow))
    }

    public func runner(for id: String) throws -> CommandRunner { try node(id).runner }

    public func purge(_ id: String) throws {
        let node = try node(id)
        try node.keeper.purge()
        // (The services' directories in it are their user's: sudo removes them too.)
        let result = try node.runner.run(node.sudo + "rm -rf " + ShellQuote.quote(node.installDirectory), timeout: 120)
        guard result.exitCode == 0 else {
            throw ClusterError("\(id): could not remove \(node.installDirectory)", details: result.tail())
        }
    }
}
