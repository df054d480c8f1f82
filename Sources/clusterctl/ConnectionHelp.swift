import ClusterKit

/// What `up` prints once a cluster is ready: where it is and how to connect.
enum ConnectionHelp {
    static func text(for status: ClusterStatus) -> String {
        var lines = [
            "Cluster \(status.name) is up: \(status.workers.registered)/\(status.workers.desired) workers registered.",
            "  scheduler: \(status.scheduler.address)",
            "  dashboard: \(StatusTable.dashboard(status))\(bokehHint(status))",
            "",
            "Connect from Python (with the same dask and distributed versions as the cluster):",
        ] + snippet(status).map { "    " + $0 } + [
            "",
            "or set DASK_SCHEDULER_ADDRESS\(status.scheduler.tls == nil ? "" : " and the TLS settings") "
                + "for a plain Client(): eval \"$(clusterctl env \(status.name))\"",
        ]
        if let env = status.environment, status.provider == "local", status.scheduler.tls == nil {
            lines += ["", "or use the cluster's own environment:",
                      "    \(env)/bin/python -c 'from distributed import Client; print(Client(\"\(status.scheduler.address)\"))'"]
        }
        return lines.joined(separator: "\n")
    }

    /// The Python lines that connect a client: with TLS, a `Security` from the client files
    /// clusterctl wrote (paths only, never their contents).
    static func snippet(_ status: ClusterStatus) -> [String] {
        guard let tls = status.scheduler.tls else {
            return ["from distributed import Client", "client = Client(\(python(status.scheduler.address)))"]
        }
        return [
            "from distributed import Client, Security",
            "security = Security(tls_ca_file=\(python(tls.authority)),",
            "                    tls_client_cert=\(python(tls.certificate)),",
            "                    tls_client_key=\(python(tls.key)),",
            "                    require_encryption=True)",
            "client = Client(\(python(status.scheduler.address)), security=security)",
        ]
    }

    /// `text` as a Python string literal.
    static func python(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Said only when the scheduler itself reports that it serves no dashboard pages (bokeh
    /// is not importable in its environment), e.g. with `environment.base: minimal`.
    static func bokehHint(_ status: ClusterStatus) -> String {
        status.scheduler.dashboardPages == false ? "  (the page needs bokeh in environment.packages)" : ""
    }
}
