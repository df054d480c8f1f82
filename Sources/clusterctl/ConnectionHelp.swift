import ClusterKit

/// What `up` prints once a cluster is ready: where it is and how to connect.
enum ConnectionHelp {
    static func text(for status: ClusterStatus) -> String {
        var lines = [
            "Cluster \(status.name) is up: \(status.workers.registered)/\(status.workers.desired) workers registered.",
            "  scheduler: \(status.scheduler.address)",
            "  dashboard: \(status.scheduler.dashboard)\(dashboardNote(status))\(bokehHint(status))",
            "",
            "Connect from Python (with the same dask and distributed versions as the cluster):",
            "    from distributed import Client",
            "    client = Client(\"\(status.scheduler.address)\")",
        ]
        if let env = status.environment, status.provider == "local" {
            lines += ["", "or use the cluster's own environment:",
                      "    \(env)/bin/python -c 'from distributed import Client; print(Client(\"\(status.scheduler.address)\"))'"]
        }
        return lines.joined(separator: "\n")
    }

    /// Said only when the scheduler itself reports that it serves no dashboard pages (bokeh
    /// is not importable in its environment), e.g. with `environment.base: minimal`.
    static func bokehHint(_ status: ClusterStatus) -> String {
        status.scheduler.dashboardPages == false ? "  (the page needs bokeh in environment.packages)" : ""
    }

    /// For a remote scheduler: how to reach its loopback-only dashboard.
    static func dashboardNote(_ status: ClusterStatus) -> String {
        guard let node = status.scheduler.node, let tunnel = status.scheduler.tunnel else { return "" }
        return " on \(node); reach it with `\(tunnel)`"
    }
}
