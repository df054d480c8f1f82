import Foundation

/// Every `clusterctl` command's work: the command line parses and prints, this does.
///
/// Each operation that changes a cluster takes the cluster's lock, reads its state, plans,
/// applies and saves, so two commands on one cluster never interleave.
public final class ClusterController {
    public let homes: Homes
    /// Where state is read and written: the state home, or the S3 location that `--state`
    /// or the cluster file's `provider.state` names.
    public private(set) var store: StateStore
    public let reporter: ProgressReporter
    /// Longest wait for workers to register, in seconds.
    public var timeout: Double = 180

    /// A controller on `homes`; with `stateURL` (`--state s3://bucket/prefix`), cluster state
    /// documents live there.
    public init(homes: Homes, reporter: ProgressReporter, stateURL: String? = nil) throws {
        self.homes = homes
        store = try stateURL.map { try StateStore(homes: homes, url: $0) } ?? StateStore(homes: homes)
        self.reporter = reporter
    }

    /// Switches to the state location a cluster file names, if it names one.
    private func useStore(of spec: ClusterSpec) throws {
        guard let url = spec.stateURL, store.documents.location != url else { return }
        var region: String?
        if case .ec2(let ec2) = spec.provider { region = ec2.region }
        store = try StateStore(homes: homes, url: url, region: region)
    }

    /// The cluster's name; for a cluster file, also switches to the state location it names.
    func resolve(_ reference: ClusterReference) throws -> String {
        guard case .file(let path) = reference else { return try reference.resolveName() }
        let spec = try SpecLoader.load(path: path)
        try useStore(of: spec)
        return spec.name
    }

    // MARK: up

    /// What `up` did.
    public struct UpResult {
        public var plan: Plan
        public var state: ClusterState?
        /// False if the cluster already matched its file.
        public var changed: Bool
        /// The cluster's status once converged (nil for a dry run).
        public var status: ClusterStatus?
    }

    /// Creates the cluster of file `path` or converges it to the file; with `dryRun`, only plans.
    ///
    /// - Parameters:
    ///   - until: stop once every launched node reached this phase (`up --until`).
    ///   - confirm: asked with the plan before anything that costs money is created (ec2
    ///     instances); `false` stops with nothing changed.
    public func up(file path: String, dryRun: Bool, until: NodePhase? = nil,
                   confirm: (Plan) throws -> Bool = { _ in true }) throws -> UpResult {
        var spec = try SpecLoader.load(path: path)
        try useStore(of: spec)
        if let python = spec.environment.matchClient {
            let client = try ClientVersions.read(python: python)
            spec.environment.lockstep = client
            for requirement in spec.environment.packages
            where ClientVersions.packageNames.contains(EnvironmentInstaller.packageName(requirement)) {
                reporter.warning("environment.packages has \(requirement), but match_client pins "
                                 + "\(EnvironmentInstaller.packageName(requirement)) to \(python)'s version; the pin wins")
            }
        }
        let lock = try store.lock(spec.name) { holder in
            self.reporter.warning(Self.lockWait(spec.name, holder: holder))
        }
        defer { lock.release() }
        var state = try store.load(spec.name)
        if let existing = state, !existing.services.isEmpty,
           let other = existing.spec.sourcePath, let mine = spec.sourcePath, other != mine {
            throw ClusterError("a cluster named \(spec.name) already runs from \(other); run `clusterctl down \(spec.name)` "
                               + "first, or give this file another name", exitCode: 1)
        }
        if state?.services.isEmpty == true, state?.nodes.isEmpty == true { state = nil }
        // A count set by `scale` stays until the file is applied over it, which `up` asks about.
        var undo: ScaleUndo?
        if let state, let scaled = state.scaledWorkers, state.spec.workers.count == scaled, spec.workers.count != scaled {
            undo = ScaleUndo(scaled: scaled, fileCount: spec.workers.count, file: path)
        }
        if !dryRun, let warning = DashboardForward.publicWarning(for: spec) { reporter.warning(warning) }
        return try converge(to: spec, state: state, scaledWorkers: nil, undoing: undo, dryRun: dryRun, until: until,
                            confirm: confirm)
    }

    /// What a command says while another holds the cluster's lock.
    static func lockWait(_ name: String, holder: Int32?) -> String {
        "waiting for another clusterctl command on \(name)\(holder.map { " (pid \($0))" } ?? "") to finish "
            + "(gives up after \(Int(StateStore.lockTimeout)) s)"
    }

    // MARK: scale

    /// Sets the number of Dask workers of cluster `reference` to `count`.
    public func scale(_ reference: ClusterReference, to count: Int, dryRun: Bool = false,
                      confirm: (Plan) throws -> Bool = { _ in true }) throws -> UpResult {
        guard count >= 1 else { throw ClusterError.usage("COUNT must be at least 1 (use `clusterctl down` to stop a cluster)") }
        let name = try resolve(reference)
        _ = try existingState(name)
        let lock = try store.lock(name) { holder in
            self.reporter.warning(Self.lockWait(name, holder: holder))
        }
        defer { lock.release() }
        let state = try existingState(name)
        var spec = state.spec
        spec.workers.count = count
        return try converge(to: spec, state: state, scaledWorkers: count, undoing: nil, dryRun: dryRun, until: nil,
                            confirm: confirm)
    }

    /// Converges to `spec`, recording `scaledWorkers` (the count `scale` set, nil for the file's).
    /// `confirm` is asked before a plan that launches instances or that undoes a `scale`.
    private func converge(to spec: ClusterSpec, state: ClusterState?, scaledWorkers: Int?, undoing: ScaleUndo?,
                          dryRun: Bool, until: NodePhase?, confirm: (Plan) throws -> Bool) throws -> UpResult {
        let tls = dryRun ? nil : try authority(for: spec, state: state)
        let backend = try Backends.make(for: spec, homes: homes, state: state, tls: tls, s3Wheelhouse: store.s3Wheelhouse)
        let observed = try observe(state, backend: backend)
        var plan = try Planner(placement: backend, nodes: backend.nodeProvider)
            .plan(desired: spec, state: state, observed: observed)
        plan.undoesScale = undoing
        if dryRun {
            return UpResult(plan: plan, state: state, changed: false, status: nil)
        }
        if plan.launches || plan.undoesScale != nil, try !confirm(plan) {
            return UpResult(plan: plan, state: state, changed: false, status: nil)
        }
        var state = state
        state?.scaledWorkers = scaledWorkers
        // Even a plan that changes nothing waits until the workers it counts on are registered.
        let reconciler = Reconciler(backend: backend, store: store, reporter: reporter, timeout: timeout, until: until)
        let newState = try reconciler.apply(plan, spec: spec, state: state)
        if let until, newState.nodes.contains(where: { $0.phase <= until }) {
            return UpResult(plan: plan, state: newState, changed: true, status: nil)
        }
        if let tls { try renewCertificates(of: newState, tls: tls, backend: backend) }
        if let client = spec.environment.lockstep, !newState.services.isEmpty {
            reporter.step("checking every node runs \(spec.environment.matchClient ?? "the client")'s versions")
            try VersionLockstep.check(client: client, api: try backend.schedulerAPI(newState.endpoint),
                                      schedulerNode: newState.endpoint.publicHost ?? newState.endpoint.host, cluster: spec.name,
                                      interpreter: spec.environment.matchClient ?? "the client")
        }
        // Every service in the new state was started or seen running, and the wait just saw
        // their workers registered: no need to ask each node again.
        return UpResult(plan: plan, state: newState, changed: !plan.isEmpty,
                        status: status(of: newState, backend: backend, running: Set(newState.services.map(\.name))))
    }

    /// The cluster's authority when `spec` runs with TLS, and the client's files. A new
    /// authority is made only while no service of the cluster runs with TLS.
    private func authority(for spec: ClusterSpec, state: ClusterState?) throws -> ClusterTLS? {
        guard spec.usesTLS else { return nil }
        let runsWithTLS = state.map { !$0.services.isEmpty && $0.endpoint.tls == true } ?? false
        let tls = try ClusterTLS(clusterDirectory: try store.directory(for: spec.name), cluster: spec.name,
                                 create: !runsWithTLS)
        try tls.ensureClient()
        return tls
    }

    /// Gives nodes whose certificates near their end new ones, without restarting anything.
    private func renewCertificates(of state: ClusterState, tls: ClusterTLS, backend: ClusterBackend) throws {
        let nodes = Set(state.services.map(\.node))
        guard nodes.contains(where: { tls.certificates.nodeNeedsRenewal($0, authority: tls.authority) }) else { return }
        reporter.step("renewing certificates that expire within \(Int(ClusterCertificates.renewalMargin / 86_400)) days")
        try CertificateRotation(backend: backend, certificates: tls.certificates, reporter: reporter)
            .rotate(state, newAuthority: false, schedulerRunning: state.scheduler != nil)
    }

    private func observe(_ state: ClusterState?, backend: ClusterBackend) throws -> Observation {
        guard let state, !state.services.isEmpty || !state.nodes.isEmpty else { return .nothing }
        // Where nodes are made, only services on nodes that still exist are asked about.
        var services = state.services
        var live: Set<String> = []
        if backend.nodeProvider.makesNodes {
            live = try backend.nodeProvider.liveNodeIds()
            services = services.filter { live.contains($0.node) }
        }
        let states = try backend.states(of: services, cluster: state.name)
        for (service, why) in states.unknown.sorted(by: { $0.key < $1.key }) where service != "scheduler" {
            reporter.warning("cannot tell whether \(service) runs (\(why)); it is left as it is")
        }
        let schedulerRunning = state.scheduler.map { states.running.contains($0.name) } ?? false
        return Observation(schedulerRunning: schedulerRunning, runningServices: states.running.subtracting(["scheduler"]),
                           liveNodes: live, unknown: states.unknown)
    }

    // MARK: down

    /// Stops every service of cluster `reference`; with `purge`, also removes what clusterctl
    /// installed on its nodes and forgets the cluster. Returns false if nothing was running.
    ///
    /// Where the provider makes nodes (ec2), everything is found by its tags too, so a cluster
    /// file brings down what its cluster left in the cloud even without local state.
    /// With `collectLogs` (a directory or `s3://bucket/prefix`), every service's log is copied
    /// there first; `onLogsCollected` is told where.
    @discardableResult
    public func down(_ reference: ClusterReference, purge: Bool = false, collectLogs: String? = nil,
                     onLogsCollected: (String) -> Void = { _ in }) throws -> Bool {
        let name = try resolve(reference)
        _ = try stateForDown(reference, name: name)
        let lock = try store.lock(name)
        defer { lock.release() }
        var state = try stateForDown(reference, name: name)
        let backend = try Backends.make(for: state.spec, homes: homes, state: state)
        if backend.nodeProvider.makesNodes {
            // Instances the state does not know (an interrupted launch, a lost state) go too.
            for found in try backend.nodeProvider.list() where !state.nodes.contains(where: { $0.instanceId == found.instanceId }) {
                var record = found
                if state.node(found.id) != nil { record.id += "@" + (found.instanceId ?? "") }
                state.nodes.append(record)
            }
        }
        if let collectLogs, !state.services.isEmpty {
            onLogsCollected(try LogCollector(backend: backend).collect(state, to: collectLogs) { reporter.step($0) })
        }
        let makesNodes = backend.nodeProvider.makesNodes
        let wasRunning = !state.services.isEmpty || (makesNodes && !state.nodes.isEmpty)
        let nodes = Set(state.services.map(\.node)).union([backend.schedulerNode])
        if wasRunning || makesNodes {
            let plan = Planner(placement: backend, nodes: backend.nodeProvider).teardown(state: state)
            state = try Reconciler(backend: backend, store: store, reporter: reporter, timeout: timeout)
                .apply(plan, spec: state.spec, state: state)
        }
        if !state.nodes.isEmpty && !makesNodes {
            // Machines that already exist stay; nothing of the cluster is on them now.
            state.nodes = []
            try store.save(state)
        }
        if purge {
            let targets = backend.nodeProvider.makesNodes ? [] : nodes.union(Self.poolNodes(of: state)).sorted()
            reporter.step("removing what clusterctl installed on \(targets.joined(separator: ", "))")
            let failures = FanOut.results(targets) { try backend.purge($0) }.compactMap { node, result -> (String, Error)? in
                if case .failure(let error) = result { return (node, error) }
                return nil
            }
            if !failures.isEmpty { throw Reconciler.summary(of: failures, upNodes: []) }
            try? FileManager.default.removeItem(at: homes.clusterDirectory(name))
        }
        return wasRunning
    }

    /// The state `down` works from: the stored one, or for a cluster file whose provider makes
    /// nodes, an empty one that the provider's own listing fills.
    private func stateForDown(_ reference: ClusterReference, name: String) throws -> ClusterState {
        if let state = try store.load(name) { return state }
        if case .file(let path) = reference {
            let spec = try SpecLoader.load(path: path)
            if case .ec2 = spec.provider {
                return ClusterState(spec: spec, endpoint: SchedulerEndpoint(host: "", port: 0, dashboardPort: 0))
            }
        }
        return try existingState(name)
    }

    /// Every node a cluster may use.
    static func poolNodes(of state: ClusterState) -> [String] {
        switch state.spec.provider {
        case .local: return ["localhost"]
        case .ssh(let ssh): return [ssh.scheduler] + ssh.workers
        case .ec2: return state.nodes.map(\.id)
        }
    }

    // MARK: exec

    /// Runs `command` on the cluster's nodes (or only `node`) concurrently, handing each line
    /// of output on prefixed by its host; returns each node's exit status.
    public func exec(_ reference: ClusterReference, node: String?, command: String,
                     output: @escaping @Sendable (String) -> Void) throws -> [(node: String, status: Int32?, error: String?)] {
        let name = try resolve(reference)
        let state = try existingState(name)
        let backend = try Backends.make(for: state.spec, homes: homes, state: state)
        var nodes = state.services.isEmpty ? Self.poolNodes(of: state) : state.services.map(\.node)
        nodes = nodes.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        if let node {
            guard nodes.contains(node) else {
                throw ClusterError.usage("\(node) is not a node of \(name); its nodes are: \(nodes.joined(separator: ", "))")
            }
            nodes = [node]
        }
        let printLock = NSLock()
        let results = FanOut.results(nodes) { host -> Int32 in
            let printer = LinePrefixer(prefix: "[\(host)] ") { line in printLock.withLock { output(line) } }
            defer { printer.flush() }
            return try backend.runner(for: host).stream(command, onOutput: printer.feed)
        }
        return results.map { node, result in
            switch result {
            case .success(let status): return (node, status, nil)
            case .failure(let error): return (node, nil, "\(error)")
            }
        }
    }

    // MARK: ssh

    /// The OpenSSH command that logs in to `node` of cluster `reference` (the scheduler's node
    /// by default) with the cluster's user, key, port and known_hosts, running `command` there
    /// if given (else an interactive shell).
    public func sshCommand(_ reference: ClusterReference, node: String?, command: [String]) throws -> [String] {
        let name = try resolve(reference)
        let state = try existingState(name)
        let nodes = Self.poolNodes(of: state)
        let target = node ?? state.scheduler?.node ?? nodes.first ?? ""
        guard nodes.contains(target) else {
            throw ClusterError.usage("\(target) is not a node of \(name); its nodes are: \(nodes.joined(separator: ", "))")
        }
        let directory = try store.directory(for: name)
        let clusterKnownHosts = directory.appendingPathComponent("known_hosts").path
        let access: SSHAccess
        let address: String
        switch state.spec.provider {
        case .local:
            throw ClusterError.usage("\(name) runs on this machine (provider local); there is nothing to log in to")
        case .ssh(let ssh):
            access = ssh.access
            address = target
        case .ec2(let ec2):
            access = SSHAccess(user: ec2.sshUser, key: EC2Connection.keyPath(for: ec2, clusterDirectory: directory),
                               hostKeyPolicy: .acceptNew, readsUserKnownHosts: false)
            guard let found = state.node(target)?.sshAddress else {
                throw ClusterError("\(target) has no address yet; `clusterctl up` finishes launching it")
            }
            address = found
        }
        var knownHosts = [clusterKnownHosts] + (access.knownHosts.map { [$0] } ?? [])
        if access.readsUserKnownHosts { knownHosts.insert("~/.ssh/known_hosts", at: 0) }
        var argv = ["ssh", "-p", String(access.port),
                    "-o", "UserKnownHostsFile=" + knownHosts.joined(separator: " "),
                    "-o", "StrictHostKeyChecking=" + (access.hostKeyPolicy == .strict ? "yes" : "accept-new"),
                    "-o", "ConnectTimeout=\(Int(access.connectTimeout))"]
        if let key = access.key { argv += ["-i", key, "-o", "IdentitiesOnly=yes"] }
        if command.isEmpty { argv.append("-t") }
        argv.append("\(access.user)@\(address)")
        if !command.isEmpty { argv += ["--"] + command }
        return argv
    }

    // MARK: restart

    /// Restarts every worker of cluster `reference` (their memory is cleared and every task
    /// forgotten, as `Client.restart` does) and waits until the scheduler reports them all again.
    /// Returns how many workers registered.
    public func restartWorkers(_ reference: ClusterReference) throws -> Int {
        let name = try resolve(reference)
        let state = try existingState(name)
        guard !state.services.isEmpty else { throw ClusterError("\(name) is down; `clusterctl up` starts it") }
        let backend = try Backends.make(for: state.spec, homes: homes, state: state)
        reporter.step("restarting the workers of \(name) (their memory is cleared, every task forgotten)")
        let restart = try backend.schedulerAPI(state.endpoint).restartWorkers()
        if let failure = restart.failure {
            throw ClusterError("the scheduler could not restart every worker: \(failure); `clusterctl status \(name)` "
                               + "shows which run, and `clusterctl logs \(name) --role worker` why")
        }
        let desired = state.spec.workers.count
        let api = try backend.schedulerAPI(state.endpoint)
        let back = Deadline(seconds: timeout).poll(every: 0.1) { () -> Int? in
            let registered = api.identity()?.liveWorkers.count ?? 0
            reporter.progress("waiting for workers: \(registered)/\(desired) registered (gives up after \(Int(timeout)) s)")
            return registered == desired ? registered : nil
        }
        guard let back else {
            throw ClusterError("only \(api.identity()?.liveWorkers.count ?? 0) of \(desired) workers came back within "
                               + "\(Int(timeout)) s; `clusterctl logs \(name) --role worker` shows why")
        }
        return back
    }

    // MARK: dashboard

    /// The dashboard of cluster `reference` on this machine: for a remote scheduler, a local
    /// port (`localPort`; nil: the dashboard's own port if free, else any) forwarded over SSH
    /// to its loopback-only HTTP server, open until `close()`. See `DashboardForward`.
    public func dashboard(_ reference: ClusterReference, localPort: Int?) throws -> DashboardForward {
        let name = try resolve(reference)
        let state = try existingState(name)
        return try DashboardForward.open(state, backend: try Backends.make(for: state.spec, homes: homes, state: state),
                                         localPort: localPort, reporter: reporter)
    }

    /// The state of cluster `name`; a clear error when there is none.
    func existingState(_ name: String) throws -> ClusterState {
        guard let state = try store.load(name) else {
            throw ClusterError("no cluster named \(name) in \(store.documents.location); `clusterctl list` shows the clusters "
                               + "there (for an ec2 cluster, `clusterctl down FILE` also finds what it left by its tags, and "
                               + "`clusterctl gc` lists what no state knows)")
        }
        return state
    }
}
