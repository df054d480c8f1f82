import Foundation
import Testing

/// The ssh provider on a real Debian host with systemd as PID 1 (a systemd-nspawn container
/// sharing this machine's network): Dask runs as systemd units, as the unprivileged user
/// clusterctl makes, sandboxed (it writes nothing outside its work directory), systemd restarts
/// a killed worker, logs come from journald, and `down` leaves the units stopped and disabled.
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

        // Root logged in, so Dask runs as the system user clusterctl made: no login, no home.
        let install = "/opt/clusterctl/\(cluster.name)"
        let account = try node.ssh("getent passwd clusterctl").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(account.hasPrefix("clusterctl:x:") && account.hasSuffix(":/nonexistent:/usr/sbin/nologin"), "account: \(account)")
        let ps = try node.ssh("ps -eo user:32=,args=")
        let dask = ServiceConfinement.daskProcesses(psOutput: ps.stdout, installRoot: install)
        #expect(dask.count >= 4, "scheduler, worker service and its two workers:\n\(ps.stdout)")
        #expect(dask.allSatisfy { $0.user == "clusterctl" }, "Dask processes not run by clusterctl:\n\(dask)")
        #expect(dask.contains { $0.args.contains(" scheduler ") } && dask.contains { $0.args.contains(" worker ") })
        let modes = try node.ssh("stat -c '%U %a %n' \(install)/work \(install)/tls \(install)/env \(install)/run")
        #expect(modes.stdout.split(separator: "\n").map(String.init)
                == ["clusterctl 700 \(install)/work", "clusterctl 700 \(install)/tls", "root 755 \(install)/env", "root 755 \(install)/run"],
                "install directory: \(modes.all)")

        // From inside the running services: nothing outside the work directory is writable,
        // the workers spill into it and read their data back.
        let probe = try ServiceConfinement.probe(python: "python3", environment: LocalClusterHarness.clientEnvironment(status: status),
                                                 workerInstall: install, schedulerInstall: install)
        if let report = probe.report {
            ServiceConfinement.expectConfined(report, user: "clusterctl", workDirectory: install + "/work", schedulerMayWriteWork: false)
        } else {
            Issue.record("the probe printed no report:\n\(probe.run.all)")
        }

        // The units say so themselves, and systemd rates them.
        for unit in units {
            let shown = try node.ssh("systemctl show -p User -p NoNewPrivileges -p ProtectSystem -p ProtectHome -p PrivateTmp "
                                     + "-p CapabilityBoundingSet -p RestrictAddressFamilies \(unit)").stdout
            for line in ["User=clusterctl", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                         "CapabilityBoundingSet=", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"] {
                #expect(shown.split(separator: "\n").contains(Substring(line)), "\(unit) lacks \(line):\n\(shown)")
            }
            let rating = try node.ssh("systemd-analyze security \(unit) | tail -n 1").stdout
            let exposure = rating.split(separator: " ").compactMap { Double($0) }.first
            #expect(exposure.map { $0 <= 2.0 } == true, "\(unit): \(rating)")
        }

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
        // status counts the unit's restart and shows its new main pid (systemd keeps the last
        // exit's status only while the unit is down).
        let workerService = (try cluster.status()["services"] as? [[String: Any]] ?? []).first { $0["role"] as? String == "worker" } ?? [:]
        #expect(workerService["restarts"] as? Int == 1, "worker service: \(workerService)")
        #expect((workerService["pid"] as? Int).map(String.init) == newMain, "worker service: \(workerService), MainPID \(newMain)")

        // After a partial scale-down the unit is rewritten (not restarted): when systemd restarts
        // it, only the remaining worker comes back, under its name.
        let service = try #require(workerService["name"] as? String)
        let scaled = try cluster.clusterctl(["scale", cluster.name, "1"], timeout: 300)
        try #require(scaled.status == 0, "scale 1:\n\(scaled.all)")
        #expect(try node.ssh("systemctl show -p MainPID --value \(units[1])").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                == newMain, "the scale-down restarted the unit")
        #expect(try node.ssh("kill -KILL \(newMain)").status == 0)
        var third = ""
        let again = try eventually(within: 120, every: 0.5) {
            third = try node.ssh("systemctl show -p MainPID --value \(units[1])").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            return third != newMain && third != "0" && !third.isEmpty
        }
        try #require(again, "systemd did not restart \(units[1])")
        let command = try node.ssh("tr '\\0' ' ' < /proc/\(third)/cmdline").stdout
        #expect(command.contains("--name \(service)-0 ") && command.contains("--nworkers 1 "), "restarted as: \(command)")
        #expect(try eventually(within: 120, every: 0.5) { try cluster.registeredWorkers() == 1 }, "the worker did not come back")

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
