import Foundation
import HTTPKit

/// `clusterctl dashboard`: a cluster's dashboard on this machine.
///
/// A remote scheduler's HTTP server (dashboard, `/health`, clusterctl's route) listens on its
/// node's loopback only, since it has no authentication: a local port is forwarded over SSH to
/// it, through the same runner and `PortForward` the other commands use. Every connection to
/// that port (a browser opens several, and Bokeh keeps a websocket) gets its own channel. For
/// the local provider the scheduler's own port is already here, and nothing is forwarded.
public final class DashboardForward {
    /// The page to open: `http://127.0.0.1:PORT/status`.
    public let url: String
    /// The port on 127.0.0.1 the page is served at.
    public let localPort: Int
    /// The scheduler's node, as the user knows it.
    public let schedulerHost: String
    /// Where the forward leads on the scheduler's node (`127.0.0.1:8787`); nil without one.
    public let remote: String?

    private let open: (_ localPort: Int) throws -> PortForward
    private let reporter: ProgressReporter
    private let lock = NSLock()
    private var forward: PortForward?

    /// True when a forward is open and must be kept (remote providers); false for the local
    /// provider, whose dashboard needs nothing kept open.
    public var isTunnel: Bool { remote != nil }

    private init(url: String, localPort: Int, schedulerHost: String, remote: String?, forward: PortForward?,
                 reporter: ProgressReporter, open: @escaping (Int) throws -> PortForward) {
        self.url = url
        self.localPort = localPort
        self.schedulerHost = schedulerHost
        self.remote = remote
        self.forward = forward
        self.reporter = reporter
        self.open = open
    }

    deinit { close() }

    /// The dashboard of the cluster in `state`, reached through `backend`.
    ///
    /// - Parameter localPort: nil: the dashboard's own port when it is free on 127.0.0.1, else
    ///   any free port; 0: any free port; otherwise exactly that port (an error if it is taken).
    /// - Throws: when the cluster is down, its scheduler does not run or cannot be asked, the
    ///   port is taken, or the scheduler's HTTP server does not answer through the tunnel.
    static func open(_ state: ClusterState, backend: ClusterBackend, localPort: Int?,
                     reporter: ProgressReporter) throws -> DashboardForward {
        let name = state.name
        let start = "`clusterctl up \(state.spec.sourcePath ?? name)` starts it"
        guard let scheduler = state.scheduler, state.endpoint.dashboardPort != 0 else {
            throw ClusterError("\(name) is not running; \(start)")
        }
        let states = try backend.states(of: [scheduler], cluster: name)
        if let why = states.unknown[scheduler.name] {
            throw ClusterError("cannot tell whether the scheduler of \(name) runs: \(why)")
        }
        guard states.running.contains(scheduler.name) else {
            throw ClusterError("the scheduler of \(name) is not running; \(start)")
        }
        let endpoint = state.endpoint
        if case .local = state.spec.provider {
            if let localPort, localPort != endpoint.dashboardPort {
                reporter.warning("--port \(localPort) is not used: the local provider's dashboard is on this machine already")
            }
            return DashboardForward(url: endpoint.dashboard, localPort: endpoint.dashboardPort, schedulerHost: scheduler.node,
                                    remote: nil, forward: nil, reporter: reporter) { _ in DirectPort(localPort: endpoint.dashboardPort) }
        }

        let wanted = try port(localPort, dashboardPort: endpoint.dashboardPort)
        let runner = try backend.runner(for: scheduler.node)
        let open = { (port: Int) throws -> PortForward in
            try runner.forward(to: endpoint.dashboardReachHost, port: endpoint.dashboardPort, localPort: port)
        }
        var forward: PortForward
        do {
            forward = try open(wanted)
        } catch let error {
            // Taken between the check and the bind: without --port, any free port will do.
            guard localPort == nil, wanted != 0 else { throw error }
            forward = try open(0)
        }
        let remote = "\(SchedulerEndpoint.bracketed(endpoint.dashboardReachHost)):\(endpoint.dashboardPort)"
        guard answersHealth(port: forward.localPort) else {
            forward.close()
            throw ClusterError("the scheduler of \(name) runs, but its HTTP server does not answer at \(remote) on "
                               + "\(scheduler.node) through the tunnel; `clusterctl logs \(name) --role scheduler` shows why")
        }
        return DashboardForward(url: "http://127.0.0.1:\(forward.localPort)/status", localPort: forward.localPort,
                                schedulerHost: scheduler.node, remote: remote, forward: forward, reporter: reporter,
                                open: open)
    }

    /// The local port to listen on: see `open`'s `localPort`.
    static func port(_ requested: Int?, dashboardPort: Int) throws -> Int {
        guard let requested else {
            return PortProbe.isFree(host: "127.0.0.1", port: dashboardPort) ? dashboardPort : 0
        }
        guard (0...65_535).contains(requested) else {
            throw ClusterError.usage("--port must be between 0 and 65535 (0 picks a free port), not \(requested)")
        }
        guard requested == 0 || PortProbe.isFree(host: "127.0.0.1", port: requested) else {
            throw ClusterError("local port \(requested) on 127.0.0.1 is already in use; choose another with --port, "
                               + "or --port 0 for any free port")
        }
        return requested
    }

    /// True once `GET /health` through the tunnel answers `ok` (within a few seconds).
    private static func answersHealth(port: Int) -> Bool {
        let request = HTTPRequest(url: "http://127.0.0.1:\(port)/health")
        return Deadline(seconds: 10).poll(every: 0.2) { () -> Bool? in
            guard let response = try? SchedulerAPI.sharedClient.send(request), response.status == 200 else { return nil }
            return String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "ok"
                ? true : nil
        } ?? false
    }

    /// Keeps forwarding until `stop` is signalled. When the SSH connection under the forward
    /// breaks, it is opened again on the same local port (said once per break), so the page's
    /// URL stays the same.
    public func serve(until stop: DispatchSemaphore) {
        guard isTunnel else { return }
        var broken = false
        while stop.wait(timeout: .now() + 1) == .timedOut {
            let current = lock.withLock { forward }
            if current?.isOpen == true { continue }
            if !broken {
                reporter.warning("the SSH connection to \(schedulerHost) broke; opening the tunnel again on port \(localPort)")
                broken = true
            }
            current?.close()
            guard let reopened = try? open(localPort) else { continue }
            lock.withLock { forward = reopened }
            reporter.step("the dashboard is forwarded again at \(url)")
            broken = false
        }
    }

    /// What `up` says once about a cluster whose file asks for `scheduler.dashboard: public`
    /// (nil when it does not): that HTTP server has no authentication.
    public static func publicWarning(for spec: ClusterSpec) -> String? {
        guard spec.scheduler.dashboard == .public else { return nil }
        var who = "anyone who can reach the scheduler's host"
        if case .ec2 = spec.provider { who = "anyone in provider.allowed_cidrs (the security group opens the port to them)" }
        let port = spec.scheduler.dashboardPort == 0 ? "" : " (port \(spec.scheduler.dashboardPort))"
        return "scheduler.dashboard is public: the scheduler's HTTP server\(port) "
            + "has no authentication, so \(who) sees the cluster's work and can call its HTTP API; with dashboard: local, "
            + "`clusterctl dashboard \(spec.name)` brings it to you over SSH instead"
    }

    /// Stops listening and ends every forwarded connection. Calling it again does nothing.
    public func close() {
        let current = lock.withLock { () -> PortForward? in
            defer { forward = nil }
            return forward
        }
        current?.close()
    }
}

/// Opens a URL in the desktop's browser.
public enum BrowserLauncher {
    /// Opens `url` with `xdg-open` (`open` on macOS) when it is on PATH, without waiting for
    /// the browser. Returns nil when it was started, else why it could not be.
    public static func open(_ url: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        #if os(macOS)
        let tool = "open"
        #else
        let tool = "xdg-open"
        #endif
        guard let program = SearchPath.find(tool, in: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") else {
            return "\(tool) is not on PATH; open \(url) yourself"
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = [url]
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return "\(program) could not start (\(error)); open \(url) yourself"
        }
        return nil
    }
}
