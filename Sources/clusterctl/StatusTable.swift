import Foundation
import ClusterKit

/// The human form of `clusterctl status`.
enum StatusTable {
    static func render(_ status: ClusterStatus) -> String {
        var lines = [
            "cluster:    \(status.name) (\(status.provider), services: \(status.supervisor)) \(status.phase)",
            "scheduler:  \(status.scheduler.address) \(schedulerState(status.scheduler.state))",
            "dashboard:  \(dashboard(status))",
            "workers:    \(status.workers.registered) registered / \(status.workers.desired) desired",
        ]
        if let lifetime = status.scheduler.lifetime, let line = self.lifetime(lifetime) {
            lines.append("lifetime:   " + line)
        }
        if !status.workers.list.isEmpty {
            lines.append("")
            lines += table([["NAME", "ADDRESS", "HOST", "THREADS", "MEMORY", "STATUS"]] + status.workers.list.map {
                [$0.name, $0.address, $0.host, String($0.nthreads), memory($0.memoryLimit), $0.status]
            })
        }
        if status.nodes.contains(where: { $0.instanceId != nil }) {
            lines.append("")
            lines += table([["NODE", "ROLE", "INSTANCE", "TYPE", "PUBLIC", "PRIVATE", "PHASE"]] + status.nodes.map {
                [$0.id, $0.role, $0.instanceId ?? "-", $0.instanceType ?? "-", $0.publicAddress ?? "-",
                 $0.privateAddress ?? "-", $0.phase]
            })
        }
        if !status.services.isEmpty {
            lines.append("")
            lines += table([["SERVICE", "ROLE", "NODE", "PID", "STATE", "RESTARTS", "LAST EXIT"]] + status.services.map {
                [$0.name, $0.role, $0.node, $0.pid.map(String.init) ?? "-", $0.state == .stopped ? "exited" : $0.state.rawValue,
                 $0.restarts.map(String.init) ?? "-", $0.lastExit ?? "-"]
            })
            for service in status.services {
                if let reason = service.gaveUp {
                    lines.append("\(service.name) is no longer restarted: \(reason); `clusterctl logs \(status.name) --node \(service.name)` shows why")
                }
            }
        }
        if !status.problems.isEmpty {
            lines += [""] + status.problems.map { "could not check: \($0)" }
        }
        if status.phase == "stopped" {
            let why = status.services.first { $0.role == "scheduler" }?.lastExit ?? "a lifetime limit was reached"
            lines += ["", "The cluster stopped itself (\(why)); `clusterctl up \(status.source ?? status.name)` starts it again."]
        }
        if status.phase == "degraded" {
            let restarting = status.services.filter { $0.state == .restarting }.map(\.name)
            if !restarting.isEmpty && !status.services.contains(where: { $0.state == .stopped }) {
                lines += ["", "Being restarted by its supervisor: \(restarting.joined(separator: ", ")); no command is needed."]
            } else {
                lines += ["", "Something is missing: `clusterctl up \(status.source ?? status.name)` repairs it."]
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The time the lifetime limits leave: `stops in 1h 59m (lifetime.max)`, with the clients
    /// connected; nil when the cluster has no limit.
    static func lifetime(_ left: LifetimeLeft) -> String? {
        var parts: [String] = []
        if let max = left.maxLeft { parts.append("stops in \(duration(max)) (lifetime.max)") }
        if let noClient = left.noClientLeft {
            parts.append(left.clients > 0
                ? "\(left.clients) client\(left.clients == 1 ? "" : "s") connected (lifetime.no_client counts once none is)"
                : "no client connected: stops in \(duration(noClient)) (lifetime.no_client)")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// `45 s`, `12m 5s`, `3h 20m`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        if total < 60 { return "\(total) s" }
        if total < 3_600 { return "\(total / 60)m \(total % 60)s" }
        return "\(total / 3_600)h \(total % 3_600 / 60)m"
    }

    /// Where the dashboard opens: its URL where one works from here (the local provider's, a
    /// public one's), else the `clusterctl dashboard` command that forwards it here.
    static func dashboard(_ status: ClusterStatus) -> String {
        let dashboard = status.scheduler.dashboard
        if let url = dashboard.url {
            return dashboard.access == .public ? "\(url) (public, no authentication)" : url
        }
        guard status.scheduler.node != nil else { return "(not started)" }
        return "run `\(dashboard.command)` to open it here (it listens on the scheduler's loopback only)"
    }

    static func schedulerState(_ state: ServiceState) -> String {
        switch state {
        case .running: return "running"
        case .stopped: return "NOT RUNNING"
        case .restarting: return "RESTARTING (its supervisor is starting it again)"
        case .unknown: return "UNKNOWN (its node did not answer)"
        }
    }

    static func table(_ rows: [[String]]) -> [String] {
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }
    }

    static func memory(_ bytes: UInt64) -> String {
        if bytes == 0 { return "-" }
        let gib = Double(bytes) / 1_073_741_824
        return gib >= 1 ? String(format: "%.1f GiB", gib) : String(format: "%.0f MiB", gib * 1024)
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
