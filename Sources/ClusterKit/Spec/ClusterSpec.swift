import Foundation

/// A cluster as its file asks for it, with every default filled in.
///
/// Produced by `SpecLoader` from a YAML-lite cluster file; stored inside
/// `ClusterState` so later commands know what was asked for.
public struct ClusterSpec: Codable, Equatable, Sendable {
    /// Cluster name: `[a-z0-9-]`, unique per state home.
    public var name: String
    /// Where nodes come from and how they are reached.
    public var provider: ProviderSpec
    public var scheduler: SchedulerSpec
    public var workers: WorkersSpec
    public var environment: EnvironmentSpec
    public var security: SecuritySpec
    /// When the cluster stops itself; nil when it never does (no `lifetime` limit set).
    public var lifetime: LifetimeSpec?
    /// Where the state is kept when not under the state home (`s3://bucket/prefix`; the
    /// file's `provider.state`).
    public var stateURL: String?
    /// Absolute path of the file this spec was loaded from, if any.
    public var sourcePath: String?

    public init(name: String, provider: ProviderSpec, scheduler: SchedulerSpec = SchedulerSpec(),
                workers: WorkersSpec = WorkersSpec(), environment: EnvironmentSpec = EnvironmentSpec(),
                security: SecuritySpec = SecuritySpec(), sourcePath: String? = nil) {
        self.name = name
        self.provider = provider
        self.scheduler = scheduler
        self.workers = workers
        self.environment = environment
        self.security = security
        self.sourcePath = sourcePath
    }
}

/// The provider section: its kind plus that kind's own settings.
public enum ProviderSpec: Codable, Equatable, Sendable {
    case local(LocalProviderSpec)
    case ssh(SSHProviderSpec)
    case ec2(EC2ProviderSpec)

    /// The provider's name as written in the file (`local`, `ssh`, `ec2`).
    public var kind: String {
        switch self {
        case .local: return "local"
        case .ssh: return "ssh"
        case .ec2: return "ec2"
        }
    }
}

/// Settings of the `local` provider.
public struct LocalProviderSpec: Codable, Equatable, Sendable {
    /// Address every Dask process listens on. Loopback unless the file says otherwise.
    public var host: String = "127.0.0.1"
    public init(host: String = "127.0.0.1") { self.host = host }
}

/// How strictly SSH host keys are checked. There is no "off".
public enum HostKeyPolicy: String, Codable, Equatable, Sendable, CaseIterable {
    /// Unknown hosts are refused; only keys already in a known_hosts file are accepted.
    case strict
    /// Unknown hosts are trusted on first use and recorded; changed keys are refused.
    case acceptNew = "accept-new"
}

/// Settings of the `ssh` provider: a pool of existing Linux hosts.
public struct SSHProviderSpec: Codable, Equatable, Sendable {
    /// How clusterctl logs in to every host.
    public var access: SSHAccess
    /// Host that runs the scheduler.
    public var scheduler: String
    /// Pool of hosts that may run workers.
    public var workers: [String]
    /// Where each host keeps its environment; `{host}` is replaced by the host's address.
    /// nil means the default (`/opt/clusterctl/<cluster>` as root, else `~/.local/share/clusterctl/<cluster>`).
    public var installDir: String?
    /// Address Dask listens on, per host, when it differs from the SSH address.
    public var listenAddresses: [String: String] = [:]

    public init(user: String, key: String? = nil, port: Int = 22, knownHosts: String? = nil,
                hostKeyPolicy: HostKeyPolicy = .strict, scheduler: String, workers: [String],
                installDir: String? = nil, listenAddresses: [String: String] = [:], connectTimeout: Double = 10) {
        access = SSHAccess(user: user, key: key, port: port, knownHosts: knownHosts, hostKeyPolicy: hostKeyPolicy,
                           connectTimeout: connectTimeout)
        self.scheduler = scheduler
        self.workers = workers
        self.installDir = installDir
        self.listenAddresses = listenAddresses
    }

    /// The address Dask should listen on for `host`.
    public func listenAddress(for host: String) -> String { listenAddresses[host] ?? host }
}

/// The scheduler section.
public struct SchedulerSpec: Codable, Equatable, Sendable {
    /// Scheduler TCP port; 0 picks a free port.
    public var port: Int = 8786
    /// Port of the scheduler's HTTP server (dashboard, /health, /json); 0 picks a free port.
    public var dashboardPort: Int = 8787
    /// Seconds of idleness after which the scheduler stops itself; nil means never.
    public var idleTimeout: Int?
    /// Who can reach the scheduler's HTTP server.
    public var dashboard: DashboardAccess = .local
    public init(port: Int = 8786, dashboardPort: Int = 8787, idleTimeout: Int? = nil, dashboard: DashboardAccess = .local) {
        self.port = port
        self.dashboardPort = dashboardPort
        self.idleTimeout = idleTimeout
        self.dashboard = dashboard
    }

    enum CodingKeys: String, CodingKey { case port, dashboardPort, idleTimeout, dashboard }

    /// State written before `dashboard` existed decodes as `local`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        port = try c.decode(Int.self, forKey: .port)
        dashboardPort = try c.decode(Int.self, forKey: .dashboardPort)
        idleTimeout = try c.decodeIfPresent(Int.self, forKey: .idleTimeout)
        dashboard = try c.decodeIfPresent(DashboardAccess.self, forKey: .dashboard) ?? .local
    }
}

/// The lifetime section: limits the scheduler enforces on its node, so they hold with the
/// machine that ran `up` switched off. When one is reached the scheduler stops its workers and
/// itself; nothing restarts them (ec2 nodes power off and terminate) until the next `up`.
public struct LifetimeSpec: Codable, Equatable, Sendable {
    /// Seconds after the scheduler started; nil means no limit.
    public var max: Int?
    /// Seconds without any Dask client connected; nil means no limit.
    public var noClient: Int?

    public init(max: Int? = nil, noClient: Int? = nil) {
        self.max = max
        self.noClient = noClient
    }
}

/// Where the scheduler's HTTP server (the dashboard, with no authentication) listens.
public enum DashboardAccess: String, Codable, Equatable, Sendable, CaseIterable {
    /// The scheduler node's loopback only; `clusterctl dashboard NAME` forwards it over SSH.
    case local
    /// Every interface a client can reach: the host's listen address (`ssh`, `local`) or
    /// 0.0.0.0 (`ec2`, where the security group admits `allowed_cidrs` only).
    case `public`
}

/// A worker's memory limit: Dask's `auto` or a number of bytes.
public enum MemoryLimit: Codable, Equatable, Sendable {
    case auto
    case bytes(UInt64)

    /// The value as `dask worker --memory-limit` takes it.
    public var daskArgument: String {
        switch self {
        case .auto: return "auto"
        case .bytes(let n): return String(n)
        }
    }
}

/// The workers section.
public struct WorkersSpec: Codable, Equatable, Sendable {
    /// Dask workers wanted, as `Client.scheduler_info()` counts them.
    public var count: Int = 2
    /// Worker processes per node (ssh, ec2); the local provider runs one group per worker.
    public var perNode: Int = 1
    /// Threads per worker process.
    public var threads: Int = 2
    public var memoryLimit: MemoryLimit = .bytes(2 * 1024 * 1024 * 1024)
    public init(count: Int = 2, perNode: Int = 1, threads: Int = 2,
                memoryLimit: MemoryLimit = .bytes(2 * 1024 * 1024 * 1024)) {
        self.count = count
        self.perNode = perNode
        self.threads = threads
        self.memoryLimit = memoryLimit
    }
}

/// The Python environment every node gets.
public struct EnvironmentSpec: Codable, Equatable, Sendable {
    /// Which part of the pinned set in `templates/packages.txt` an environment starts from.
    public enum Base: String, Codable, Equatable, Sendable, CaseIterable {
        /// Everything in `packages.txt`: what `dask[complete]` lists (numpy, pandas, pyarrow,
        /// bokeh, ...), so dask.array, dask.dataframe and the dashboard work out of the box.
        case complete
        /// Only `dask` and `distributed` from `packages.txt`.
        case minimal

        /// The package names `minimal` keeps from the pinned set.
        public static let minimalNames: Set<String> = ["dask", "distributed"]
    }

    /// Interpreter used to create the environment (name on PATH or absolute path).
    public var python: String = "python3"
    /// The pinned set the environment starts from.
    public var base: Base = .complete
    /// Extra packages, installed on top of the pinned set in `templates/packages.txt`.
    public var packages: [String] = []
    /// A local interpreter (command name or absolute path) whose Python version and Dask
    /// packages the cluster's environment is pinned to; nil: no lockstep.
    public var matchClient: String?
    /// What `matchClient` held when `up` last read it: the pins the environment is built with.
    /// Not written in cluster files; `up` fills it in, and the state keeps it.
    public var lockstep: ClientVersions?
    /// Where the packages of a remote node's environment come from: the package index, or
    /// wheels clusterctl fetched once here and shipped over SSH or, for ec2 with S3 state,
    /// through that bucket (`environment.offline`).
    public var offline: OfflineMode = .auto

    public init(python: String = "python3", base: Base = .complete, packages: [String] = [], matchClient: String? = nil) {
        self.python = python
        self.base = base
        self.packages = packages
        self.matchClient = matchClient
    }

    enum CodingKeys: String, CodingKey { case python, base, packages, matchClient, lockstep, offline }

    /// State written before `base` (or `offline`) existed decodes as `complete` (`auto`).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        python = try c.decodeIfPresent(String.self, forKey: .python) ?? "python3"
        base = try c.decodeIfPresent(Base.self, forKey: .base) ?? .complete
        packages = try c.decodeIfPresent([String].self, forKey: .packages) ?? []
        matchClient = try c.decodeIfPresent(String.self, forKey: .matchClient)
        lockstep = try c.decodeIfPresent(ClientVersions.self, forKey: .lockstep)
        offline = try c.decodeIfPresent(OfflineMode.self, forKey: .offline) ?? .auto
    }
}

/// Whether remote nodes install their packages from wheels clusterctl ships them
/// (`environment.offline`). The local provider always uses this machine's own index access.
public enum OfflineMode: String, Codable, Equatable, Sendable, CaseIterable {
    /// A node that reaches the package index installs from it; one that does not gets wheels.
    case auto
    /// Every node gets wheels fetched once on this machine and installs with no index.
    case on
    /// Every node installs from the package index itself.
    case off
}

/// Mutual TLS between scheduler, workers and clients.
public enum TLSMode: String, Codable, Equatable, Sendable {
    /// On for the remote providers (`ssh`, `ec2`), off for `local`.
    case auto
    case on, off
}

/// The security section.
public struct SecuritySpec: Codable, Equatable, Sendable {
    public var tls: TLSMode = .auto
    public init(tls: TLSMode = .auto) { self.tls = tls }
}

extension ClusterSpec {
    /// True when the cluster's Dask parties talk mutual TLS: `security.tls`, with `auto`
    /// meaning on wherever the scheduler is on another machine.
    public var usesTLS: Bool {
        switch security.tls {
        case .on: return true
        case .off: return false
        case .auto:
            if case .local = provider { return false }
            return true
        }
    }
}
