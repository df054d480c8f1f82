import Foundation
import Testing

/// The ssh provider on a real Debian host with systemd as PID 1 (a systemd-nspawn container
/// sharing this machine's network): Dask runs as systemd units, systemd restarts a killed
/// worker, logs come from journald, and `down` leaves the units stopped and disabled.
@Suite(
    .serialized,
    .enabled(if: SystemdTestHost.unavailableReason == nil, Comment(rawValue: SystemdTestHost.unavailableReason ?? ""))
)
struct SystemdClusterTests {
    @Test func daskRunsAsSystemdUnits() throws {
        let node = try SystemdTestHost.start()
        defer { node.stopOrKill() }
        let cluster = try LocalClusterHarness(prefix: "sysd")
        defer { cluster.tearDown() }
        let file = cluster.directory.appendingPathComponent("systemd.yaml")
        try """
        name: \(cluster.name)
        provider:
          kind: ssh
          user: root
          key: \(node.privateKeyPath)
          port: \(node.port)
          known_hosts: \(node.knownHostsPath)
          host_key_policy: strict
          scheduler: 127.0.0.1
          workers: [127.0.0.1]
        scheduler:
          port: 0
          dashboard_port: 0
        workers:
          count: 2
          per_node: 2
          threads: 1
          memory_limit: 1GiB
        """.write(to: file, atomically: true, encoding: .utf8)

        let up = try cluster.clusterctl(["up", file.path], timeout: 1200)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        let status = try cluster.status()
        #expect(status["supervisor"] as? String == "systemd")
        #expect(try cluster.registeredWorkers() == 2)
        let units = ["clusterctl-\(cluster.name)-scheduler.service", "clusterctl-\(cluster.name)-worker.service"]
        let active = try node.ssh("systemctl is-active \(units.joined(separator: " ")); systemctl is-enabled \(units.joined(separator: " "))")
        #expect(active.stdout.split(separator: "\n") == ["active", "active", "enabled", "enabled"], "units: \(active.stdout)")

        // A client on this machine (its own Dask, same version) computes against the node.
        let compute = try CapturedRun.of("/usr/bin/env", ["python3", "-c", LocalClusterLifecycleTests.computeScript],
                                            environment: LocalClusterHarness.clientEnvironment(status: status), timeout: 120)
        #expect(compute.stdout.contains("RESULT -285"), "client:\n\(compute.all)")

        // SIGKILL the worker unit's main process: systemd restarts it and its workers re-register.
        let before = Set(workerAddresses(try cluster.status()))
        let main = try node.ssh("systemctl show -p MainPID --value \(units[1])").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(Int(main) ?? 0 > 0, "no main pid: \(main)")
        #expect(try node.ssh("kill -KILL \(main)").status == 0)
        let restarted = try eventually(within: 120, every: 0.5) {
            let addresses = workerAddresses(try cluster.status())
            return addresses.count == 2 && before.isDisjoint(with: addresses)
        }
        #expect(restarted, "the workers did not come back after SIGKILL")
        let newMain = try node.ssh("systemctl show -p MainPID --value \(units[1])").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(newMain != main)

        // logs come from journald.
        let logs = try cluster.clusterctl(["logs", cluster.name, "--role", "worker", "--tail", "400"])
        #expect(logs.status == 0)
        #expect(logs.stdout.contains("Registered to"), "logs:\n\(logs.all)")
        #expect(logs.stdout.contains("Started") || logs.stdout.contains("systemd"), "no journald lines:\n\(logs.stdout.suffix(2000))")

        // down: units stopped and disabled.
        let down = try cluster.clusterctl(["down", cluster.name, "--yes"], timeout: 300)
        #expect(down.status == 0, "down:\n\(down.all)")
        let after = try node.ssh("systemctl is-active \(units.joined(separator: " ")); systemctl is-enabled \(units.joined(separator: " "))")
        #expect(after.stdout.split(separator: "\n") == ["inactive", "inactive", "disabled", "disabled"], "after down: \(after.stdout)")
    }

    private func workerAddresses(_ status: [String: Any]) -> [String] {
        ((status["workers"] as? [String: Any])?["list"] as? [[String: Any]] ?? []).compactMap { $0["address"] as? String }
    }
}
