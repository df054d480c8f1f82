/// Command lines of the Dask services, as argument vectors for the environment at `environment`.
public struct DaskCommands: Sendable {
    /// The Python environment the services run from.
    public let environment: String

    public init(environment: String) { self.environment = environment }

    /// The scheduler's environment: Dask's default HTTP routes plus the API that retires
    /// workers gracefully and clusterctl's read-only worker list (`runtime/clusterctl_http.py`,
    /// placed in `runtimeDirectory`). The HTTP server has no authentication, so it listens on
    /// loopback unless the cluster file says `scheduler.dashboard: public`. The `lifetime`
    /// limits go to `runtime/clusterctl_lifetime.py`, which the scheduler preloads.
    public static func schedulerEnvironment(runtimeDirectory: String, lifetime: LifetimeSpec? = nil) -> [String: String] {
        let routes = ["distributed.http.scheduler.prometheus", "distributed.http.scheduler.info",
                      "distributed.http.scheduler.json", "distributed.http.health", "distributed.http.proxy",
                      "distributed.http.statics", "distributed.http.scheduler.api", "clusterctl_http"]
        var environment = [
            "DASK_DISTRIBUTED__SCHEDULER__HTTP__ROUTES": "[" + routes.map { "'\($0)'" }.joined(separator: ", ") + "]",
            "PYTHONPATH": runtimeDirectory,
        ]
        if let max = lifetime?.max { environment["CLUSTERCTL_LIFETIME_MAX"] = String(max) }
        if let noClient = lifetime?.noClient { environment["CLUSTERCTL_LIFETIME_NO_CLIENT"] = String(noClient) }
        return environment
    }

    /// The environment of a worker service running `count` workers. From 3 workers on, its
    /// nannies start their worker processes from a forkserver that has imported distributed
    /// once (4 workers registered 0.1-0.3 s sooner than with `spawn`, Dask's default, each in
    /// a fresh interpreter); with 1 or 2 the forkserver's own start costs more than it saves
    /// (0.4-0.7 s later, and one more interpreter's CPU on the node), so `spawn` stays.
    public static func workerEnvironment(count: Int) -> [String: String] {
        count >= 3 ? ["DASK_DISTRIBUTED__WORKER__MULTIPROCESSING_METHOD": "forkserver"] : [:]
    }

    private var dask: String { environment + "/bin/dask" }

    /// `dask scheduler` listening on `endpoint.bindHost` or `endpoint.host`, its HTTP server on
    /// loopback (or, for a public dashboard, on `endpoint.dashboardHost`); with `tls`, speaking
    /// only mutual TLS with those files.
    public func scheduler(_ spec: ClusterSpec, endpoint: SchedulerEndpoint, tls: NodeTLSPaths? = nil) -> [String] {
        var argv = [dask, "scheduler", "--host", endpoint.bindHost ?? endpoint.host, "--port", String(endpoint.port),
                    "--dashboard-address",
                    "\(SchedulerEndpoint.bracketed(endpoint.dashboardBindHost)):\(endpoint.dashboardPort)"]
        if let idle = spec.scheduler.idleTimeout {
            argv += ["--idle-timeout", "\(idle)s"]
        }
        argv += ["--preload", "clusterctl_lifetime"]
        return argv + Self.tlsArguments(tls)
    }

    /// Dask's TLS options: the protocol, the CA every peer must be signed by, and this node's
    /// certificate file (which holds its key too; paths only, never contents).
    static func tlsArguments(_ tls: NodeTLSPaths?) -> [String] {
        guard let tls else { return [] }
        return ["--protocol", "tls", "--tls-ca-file", tls.authority, "--tls-cert", tls.certificate]
    }

    /// What a service's environment adds with TLS: no plain connection is ever made or taken.
    public static func tlsEnvironment(_ tls: NodeTLSPaths?) -> [String: String] {
        tls == nil ? [:] : ["DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True"]
    }

    /// `dask worker` running `count` workers under nannies, named `name` (one worker) or
    /// `name-0`, `name-1`, ... (several), listening on `listenHost`.
    public func worker(_ spec: ClusterSpec, scheduler: SchedulerEndpoint, name: String, count: Int,
                       listenHost: String, tls: NodeTLSPaths? = nil, localDirectory: String? = nil) -> [String] {
        [dask, "worker", scheduler.address,
         "--name", name,
         "--nworkers", String(count),
         "--nthreads", String(spec.workers.threads),
         "--memory-limit", spec.workers.memoryLimit.daskArgument,
         "--host", listenHost,
         // The worker's own HTTP server (health, metrics) runs even without the dashboard, on
         // every interface unless told otherwise; like the scheduler's, it has no authentication.
         "--no-dashboard", "--dashboard-address", "127.0.0.1:0"] + Self.tlsArguments(tls)
            + (localDirectory.map { ["--local-directory", $0] } ?? []) // spill and scratch files go there (nil: Dask's temp dir)
    }

    /// The `--name` and `--nworkers` that start exactly the workers `live` of `service` under
    /// the same names: `live` must be the first of its names (retirements take the last ones);
    /// nil when they are not, or none is left.
    public static func workerNaming(service: String, live: [String]) -> (name: String, count: Int)? {
        if live.count == 1 { return (live[0], 1) }
        guard !live.isEmpty, live == workerNames(service: service, workerCount: live.count) else { return nil }
        return (service, live.count)
    }

    /// The Dask worker names a service started with `workerCount` workers registers.
    public static func workerNames(service: String, workerCount: Int) -> [String] {
        workerCount == 1 ? [service] : (0..<workerCount).map { "\(service)-\($0)" }
    }
}
