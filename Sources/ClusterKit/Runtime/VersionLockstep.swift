import Foundation

/// The check after `up` of a cluster pinned to a client (`environment.match_client`): every
/// Dask process reports, through the scheduler, the versions it really runs, and any that
/// differs from the client's fails `up` with a table.
public enum VersionLockstep {
    /// What one Dask process reported: its node (the scheduler's or a worker's host), its
    /// environment's directory, and package name (and `python`) -> version (nil: missing).
    public struct Report: Sendable {
        public var node: String
        public var environment: String?
        public var versions: [String: String?]
        /// Why the process could not report.
        public var error: String?

        public init(node: String, environment: String?, versions: [String: String?], error: String? = nil) {
            self.node = node
            self.environment = environment
            self.versions = versions
            self.error = error
        }
    }

    /// One version that differs: on `node`, `package` (`python` for the interpreter's
    /// `major.minor`) is `found` where the client has `wanted`.
    public struct Difference: Equatable, Sendable {
        public var node: String
        public var environment: String?
        public var package: String
        public var wanted: String
        public var found: String
    }

    /// Asks the scheduler behind `api` (on node `schedulerNode`) what every process runs and
    /// fails if anything differs from `client`.
    public static func check(client: ClientVersions, api: SchedulerAPI, schedulerNode: String, cluster: String,
                             interpreter: String) throws {
        let answer = try api.versions(of: ClientVersions.packageNames)
        var scheduler = answer.scheduler
        scheduler.host = schedulerNode
        let reports = ([scheduler] + answer.workers.keys.sorted().compactMap { answer.workers[$0] }).map {
            Report(node: $0.host, environment: $0.prefix, versions: $0.versions ?? [:], error: $0.error)
        }
        let found = differences(client: client, reports: reports)
        if !found.isEmpty { throw failure(found, interpreter: interpreter, cluster: cluster) }
    }

    /// The differences between `client` and every report, one line per node, environment and
    /// package even when several processes there differ alike.
    public static func differences(client: ClientVersions, reports: [Report]) -> [Difference] {
        var found: [Difference] = []
        for report in reports {
            var lines: [Difference] = []
            if let error = report.error {
                lines.append(Difference(node: report.node, environment: report.environment, package: "(all)", wanted: "-",
                                        found: "could not say: \(error)"))
            } else {
                let python = (report.versions["python"] ?? nil).map(minorVersion) ?? "missing"
                if python != client.python {
                    lines.append(Difference(node: report.node, environment: report.environment, package: "python",
                                            wanted: client.python, found: python))
                }
                for name in ClientVersions.packageNames {
                    guard let wanted = client.packages[name] else { continue }
                    let version = (report.versions[name] ?? nil) ?? "missing"
                    if version != wanted {
                        lines.append(Difference(node: report.node, environment: report.environment, package: name,
                                                wanted: wanted, found: version))
                    }
                }
            }
            for line in lines where !found.contains(line) { found.append(line) }
        }
        return found
    }

    /// `3.11.7` -> `3.11`.
    static func minorVersion(_ version: String) -> String {
        version.split(separator: ".").prefix(2).joined(separator: ".")
    }

    /// The error for `differences`: a table of node, package, client version and node version,
    /// each node's environment, and what to do.
    public static func failure(_ differences: [Difference], interpreter: String, cluster: String) -> ClusterError {
        let rows = [["node", "package", "client", "node version"]] + differences.map { [$0.node, $0.package, $0.wanted, $0.found] }
        let widths = (0..<3).map { column in rows.map { $0[column].count }.max() ?? 0 }
        let table = rows.map { row in
            (0..<3).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  " + row[3]
        }
        var environments: [String] = []
        for difference in differences {
            let line = "\(difference.node): \(difference.environment ?? "environment unknown")"
            if !environments.contains(line) { environments.append(line) }
        }
        let nodes = Set(differences.map(\.node)).count
        return ClusterError("\(cluster): \(nodes) node\(nodes == 1 ? "" : "s") run\(nodes == 1 ? "s" : "") other versions than "
                            + "\(interpreter) (environment.match_client). The environment there was changed after clusterctl "
                            + "built it from the client's pins: remove it (`clusterctl exec \(cluster) --node NODE -- rm -rf DIR`), "
                            + "then `clusterctl down \(cluster)` and `clusterctl up` build it afresh",
                            details: (table + ["", "environments:"] + environments.map { "  " + $0 }).joined(separator: "\n"))
    }
}
