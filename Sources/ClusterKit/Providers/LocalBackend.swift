import Foundation

/// The `local` provider: every service is a detached process on this machine, logging to
/// `<home>/<name>/logs/`, running from a shared environment under the cache home.
///
/// `environment` is read and written under `lock` only; everything else is set once.
public final class LocalBackend: ClusterBackend, @unchecked Sendable {
    public let nodeProvider: NodeProvider = FixedNodes.localMachine()
    public let supervisorKind = SupervisorKind.detached
    private let lock = NSLock()
    private var environment: String?
    /// The cluster's environment, once prepared (or as an earlier command recorded it).
    public var environmentPath: String? { lock.withLock { environment } }

    private let homes: Homes
    private let cluster: String
    private let listenHost: String
    private let python: String
    private let runner: LocalRunner
    /// Where the services' certificates come from (nil: no TLS, `local`'s default).
    private let tls: ClusterTLS?

    /// A backend for cluster `spec.name`; `environmentPath` is the environment it already uses.
    public init(spec: ClusterSpec, homes: Homes, environmentPath: String?, tls: ClusterTLS? = nil) {
        self.tls = tls
        self.homes = homes
        cluster = spec.name
        if case .local(let local) = spec.provider { listenHost = local.host } else { listenHost = "127.0.0.1" }
        python = spec.environment.python
        environment = environmentPath
        runner = LocalRunner()
    }

    private var directory: URL { homes.clusterDirectory(cluster) }
    private var keeper: DetachedKeeper {
        DetachedKeeper(runner: runner, cluster: cluster, python: python,
                       runtimeDirectory: directory.appendingPathComponent("run").path,
                       logDirectory: directory.appendingPathComponent("logs").path,
                       environmentPython: environmentPath.map { $0 + "/bin/python" })
    }

    /// This machine is always there.
    public func use(_ nodes: [NodeRecord]) {}

    public func reach(_ id: String) {}

    public func place(adding count: Int, beside existing: [ServiceRecord], spec: ClusterSpec) throws -> [(service: String, node: String, count: Int)] {
        let used = Set(existing.map(\.name))
        var index = 0
        while used.contains("\(cluster)-w\(index)") { index += 1 }
        return [("\(cluster)-w\(index)", schedulerNode, count)]
    }

    public func endpoint(for spec: ClusterSpec) throws -> SchedulerEndpoint {
        func port(_ wanted: Int, _ what: String, _ host: String) throws -> Int {
            if wanted == 0 { return try PortProbe.freePort(host: host) }
            guard PortProbe.isFree(host: host, port: wanted) else {
                throw ClusterError("\(what) port \(wanted) on \(host) is already in use; stop what uses it or set "
                                   + "scheduler.\(what == "scheduler" ? "port" : "dashboard_port") to another port (0 picks a free one)",
                                   reason: .portTaken)
            }
            return wanted
        }
        let schedulerPort = try port(spec.scheduler.port, "scheduler", listenHost)
        let dashboardHost: String? = spec.scheduler.dashboard == .public ? listenHost : nil
        let dashboardPort = try port(spec.scheduler.dashboardPort, "dashboard", dashboardHost ?? "127.0.0.1")
        return SchedulerEndpoint(host: listenHost, port: schedulerPort, dashboardPort: dashboardPort, tls: tls != nil,
                                 dashboardHost: dashboardHost)
    }

    public func schedulerAPI(_ endpoint: SchedulerEndpoint) throws -> SchedulerAPI {
        SchedulerAPI(port: endpoint.dashboardPort, host: endpoint.dashboardReachHost)
    }

    public func states(of services: [ServiceRecord], cluster: String) throws -> ServiceStates {
        var states = ServiceStates()
        states.record(try keeper.check(services.map { ($0.name, $0.role) }))
        return states
    }

    public func prepareEnvironment(on node: String, spec: ClusterSpec, report: (String) -> Void) throws {
        try AtomicFile.makeDirectory(directory)
        try AtomicFile.makeDirectory(homes.cache.appendingPathComponent("envs"), mode: 0o755)
        let prepared = try EnvironmentInstaller(runner: runner).prepare(
            spec.environment, root: homes.cache.appendingPathComponent("envs").path,
            allowSystemInstall: false, then: try keeper.installCommand(), onStep: report).path
        lock.withLock { environment = prepared }
    }

    public func startScheduler(_ spec: ClusterSpec, endpoint: SchedulerEndpoint) throws -> ServiceRecord {
        let tlsPaths = try installTLS()
        let argv = DaskCommands(environment: try preparedEnvironment()).scheduler(spec, endpoint: endpoint, tls: tlsPaths)
        let pid = try keeper.start("scheduler", role: .scheduler, argv: argv,
                                   environment: DaskCommands.schedulerEnvironment(runtimeDirectory: keeper.runtimeDirectory, lifetime: spec.lifetime)
                                       .merging(DaskCommands.tlsEnvironment(tlsPaths)) { $1 })
        return ServiceRecord(name: "scheduler", role: .scheduler, node: schedulerNode, pid: pid,
                             logPath: keeper.logFile("scheduler"))
    }

    public func startWorkers(_ spec: ClusterSpec, endpoint: SchedulerEndpoint, service: String, node: String,
                             count: Int) throws -> ServiceRecord {
        let (argv, environment) = try workerDefinition(spec, endpoint: endpoint, name: service, count: count, tls: try installTLS())
        let pid = try keeper.start(service, role: .worker, argv: argv, environment: environment)
        return ServiceRecord(name: service, role: .worker, node: node, pid: pid, workerCount: count,
                             logPath: keeper.logFile(service))
    }

    public func redefineWorkers(_ spec: ClusterSpec, endpoint: SchedulerEndpoint, service: ServiceRecord) throws {
        guard let naming = DaskCommands.workerNaming(service: service.name, live: service.liveWorkerNames) else { return }
        // The certificate in place stays: the running workers use it.
        let tls = self.tls.map { _ in NodeTLSInstaller.paths(in: tlsDirectory) }
        let (argv, environment) = try workerDefinition(spec, endpoint: endpoint, name: naming.name, count: naming.count, tls: tls)
        try keeper.redefine(service.name, role: .worker, argv: argv, environment: environment)
    }

    /// The command and environment of a worker service.
    private func workerDefinition(_ spec: ClusterSpec, endpoint: SchedulerEndpoint, name: String, count: Int,
                                  tls: NodeTLSPaths?) throws -> (argv: [String], environment: [String: String]) {
        let argv = DaskCommands(environment: try preparedEnvironment())
            .worker(spec, scheduler: endpoint, name: name, count: count, listenHost: listenHost, tls: tls)
        return (argv, DaskCommands.workerEnvironment(count: count).merging(DaskCommands.tlsEnvironment(tls)) { $1 })
    }

    /// A fresh certificate for this machine before a service starts; nil without TLS.
    private func installTLS() throws -> NodeTLSPaths? {
        guard let tls else { return nil }
        return try installTLS(try tls.credential(for: schedulerNode, addresses: certificateAddresses(of: schedulerNode)),
                              on: schedulerNode)
    }

    public func certificateAddresses(of node: String) throws -> [String] { [listenHost] }

    /// Where this machine's services find their TLS files.
    private var tlsDirectory: String { directory.appendingPathComponent("node-tls").path }

    public func installTLS(_ files: NodeTLSFiles, on node: String) throws -> NodeTLSPaths {
        try NodeTLSInstaller.install(files, runner: runner, directory: tlsDirectory,
                                     stagingDirectory: keeper.runtimeDirectory, owner: nil, sudo: "")
    }

    public func stop(_ service: ServiceRecord, cluster: String) throws {
        try keeper.stop(service.name, role: service.role)
    }

    public func logSource(for service: ServiceRecord, cluster: String, tail: Int, follow: Bool) throws -> (CommandRunner, String) {
        (runner, keeper.logCommand(service.name, role: service.role, tail: tail, follow: follow))
    }

    public func runner(for node: String) throws -> CommandRunner { runner }

    /// This machine is never probed.
    public let nodeFacts: [String: NodeFacts] = [:]

    /// Removes the cluster's pid files and logs; the shared environment stays in the cache.
    public func purge(_ node: String) throws {
        for sub in ["run", "logs", "node-tls"] {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(sub))
        }
    }

    private func preparedEnvironment() throws -> String {
        guard let environmentPath else { throw ClusterError("internal: the environment was not prepared") }
        return environmentPath
    }
}
