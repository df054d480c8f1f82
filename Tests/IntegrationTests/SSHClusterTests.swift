import Foundation
import Testing

/// The ssh provider against real OpenSSH servers on loopback addresses, driven through the
/// built binary; a real Python Dask client proves the cluster from outside.
@Suite(.serialized)
struct SSHClusterTests {
    /// A harness whose home and files live beside an sshd pool.
    func harness(_ prefix: String) throws -> LocalClusterHarness { try LocalClusterHarness(prefix: prefix) }

    @Test func upComputeScaleLogsExecDown() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"])
        defer { pool.stop() }
        let cluster = try harness("ssh")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2",
                                        workers: ["127.0.0.3", "127.0.0.4", "127.0.0.5"], count: 2)

        let up = try cluster.clusterctl(["up", file], timeout: 600)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        let status = try cluster.status()
        #expect(status["provider"] as? String == "ssh")
        #expect(status["supervisor"] as? String == "detached")
        let (address, _) = try cluster.connection()
        #expect(address.hasPrefix("tls://127.0.0.2:"), "ssh clusters run with TLS by default")
        let hosts = Set(((status["workers"] as? [String: Any])?["list"] as? [[String: Any]] ?? []).compactMap { $0["host"] as? String })
        #expect(hosts == ["127.0.0.3", "127.0.0.4"])
        // Every Dask process listens on its host's address (or loopback), never on all interfaces.
        let listeners = try listeningAddresses(of: Set(cluster.markedProcesses()))
        #expect(!listeners.isEmpty)
        #expect(listeners.allSatisfy { $0.hasPrefix("127.0.0.") }, "listening beyond the hosts' addresses: \(listeners)")
        #expect(try cluster.python(LocalClusterLifecycleTests.computeScript).stdout.contains("RESULT -285"))

        // Scale within the pool, and past it (a clear error that changes nothing).
        let scaleUp = try cluster.clusterctl(["scale", cluster.name, "3"], timeout: 600)
        try #require(scaleUp.status == 0, "scale 3:\n\(scaleUp.all)")
        #expect(try cluster.registeredWorkers() == 3)
        let tooMany = try cluster.clusterctl(["scale", cluster.name, "4"])
        #expect(tooMany.status != 0)
        #expect(tooMany.stderr.contains("pool has 3"), "scale 4:\n\(tooMany.all)")
        #expect(try cluster.registeredWorkers() == 3)
        let scaleDown = try cluster.clusterctl(["scale", cluster.name, "1"])
        try #require(scaleDown.status == 0, "scale 1:\n\(scaleDown.all)")
        #expect(try cluster.registeredWorkers() == 1)
        #expect(try cluster.python(LocalClusterLifecycleTests.computeScript).stdout.contains("RESULT -285"))

        // logs, prefixed by service; exec on every node with a summary of exit codes.
        let logs = try cluster.clusterctl(["logs", cluster.name, "--tail", "200"])
        #expect(logs.status == 0)
        #expect(logs.stdout.contains("[scheduler]") && logs.stdout.contains("Scheduler at:"), "logs:\n\(logs.all)")
        #expect(logs.stdout.contains("[\(cluster.name)-127.0.0.3]"))
        let exec = try cluster.clusterctl(["exec", cluster.name, "--", "echo hello-from-$(id -un)"])
        #expect(exec.status == 0, "exec:\n\(exec.all)")
        #expect(exec.stdout.contains("[127.0.0.2] hello-from-"))
        #expect(exec.stdout.contains("[127.0.0.3] hello-from-"))
        #expect(exec.stderr.contains("127.0.0.2: 0"))

        let down = try cluster.clusterctl(["down", cluster.name, "--yes"], timeout: 300)
        #expect(down.status == 0, "down:\n\(down.all)")
        #expect(cluster.markedProcesses().isEmpty, "left running: \(cluster.markedProcesses())")
        // --purge removes every host's install.
        let purge = try cluster.clusterctl(["down", cluster.name, "--yes", "--purge"], timeout: 300)
        #expect(purge.status == 0, "purge:\n\(purge.all)")
        for host in pool.addresses {
            #expect(!FileManager.default.fileExists(atPath: pool.directory.appendingPathComponent("nodes/\(host)").path))
        }
    }

    /// These hosts have no systemd and clusterctl logs in as root: the detached supervisor
    /// starts each service as root, which opens its log and then drops to the system user
    /// clusterctl makes (on this machine), so a client reaching Dask cannot write root's files.
    @Test func detachedServicesRunAsTheServiceUser() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2", "127.0.0.3"])
        defer { pool.stop() }
        let cluster = try harness("drop")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2", workers: ["127.0.0.3"], count: 2, perNode: 2)
        let up = try cluster.clusterctl(["up", file], timeout: 600)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        #expect(try cluster.status()["supervisor"] as? String == "detached")
        let uid = try CapturedRun.of("id", ["-u", "clusterctl"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(Int(uid) ?? 0 > 0, "no clusterctl user was made")

        // Every Dask process, by its command line and by its service mark, is clusterctl's.
        let nodes = pool.directory.appendingPathComponent("nodes").path

        // The services' access to the environment was checked once and recorded; a rerun of
        // `up` trusts the record instead of importing distributed as that user again.
        let access = nodes + "/127.0.0.3/env/.clusterctl-access"
        let recorded = try String(contentsOfFile: access, encoding: .utf8)
        #expect(recorded.hasPrefix("clusterctl "), "access record: \(recorded)")
        let checkedAt = try FileManager.default.attributesOfItem(atPath: access)[.modificationDate] as? Date
        let again = try cluster.clusterctl(["up", file], timeout: 600)
        try #require(again.status == 0, "second up failed:\n\(again.all)")
        #expect(try FileManager.default.attributesOfItem(atPath: access)[.modificationDate] as? Date == checkedAt,
                "the second up checked the services' access again")
        let ps = try CapturedRun.of("ps", ["-eo", "user:32=,args="])
        let dask = ServiceConfinement.daskProcesses(psOutput: ps.stdout, installRoot: nodes + "/")
        #expect(dask.count >= 4, "scheduler, worker service and its two workers:\n\(ps.stdout)")
        #expect(dask.allSatisfy { $0.user == "clusterctl" }, "Dask processes not run by clusterctl:\n\(dask)")
        let marked = cluster.markedProcesses()
        #expect(marked.count >= 2)
        for pid in marked {
            let owner = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8))?
                .split(separator: "\n").first { $0.hasPrefix("Uid:") }?.split(separator: "\t").dropFirst().map(String.init)
            #expect(owner.map { Set($0) == [uid] } ?? true, "process \(pid) runs with uids \(owner ?? [])")
        }

        // From inside the services: root's files and the install are closed to them, their
        // work directory is theirs; the workers spill there and read their data back.
        let probe = try ServiceConfinement.probe(python: try cluster.connection().python, environment: try cluster.clientEnvironment(),
                                                 workerInstall: nodes + "/127.0.0.3", schedulerInstall: nodes + "/127.0.0.2")
        if let report = probe.report {
            ServiceConfinement.expectConfined(report, user: "clusterctl", workDirectory: nodes + "/127.0.0.3/work",
                                              schedulerMayWriteWork: true)
        } else {
            Issue.record("the probe printed no report:\n\(probe.run.all)")
        }

        // The logs stay the login user's and readable by `logs`; status and down still see and
        // stop the services (their /proc entries are another user's).
        let logs = try cluster.clusterctl(["logs", cluster.name, "--tail", "200"])
        #expect(logs.status == 0 && logs.stdout.contains("Registered to"), "logs:\n\(logs.all)")
        let logFile = nodes + "/127.0.0.3/logs/\(cluster.name)-127.0.0.3.log"
        let logOwner = try FileManager.default.attributesOfItem(atPath: logFile)[.ownerAccountName] as? String
        #expect(logOwner == NSUserName(), "the log belongs to \(logOwner ?? "?")")
        #expect(try cluster.registeredWorkers() == 2)

        // The supervisor on the hosts (root) restarts a SIGKILLed scheduler, again as the
        // service user, and the workers on the other host follow it back.
        let scheduler = try #require(cluster.serviceProcess("scheduler"))
        try #require(kill(scheduler, SIGKILL) == 0)
        let back = try cluster.python(SupervisorRestartTests.computeWithTwoWorkers, timeout: 240)
        #expect(back.stdout.contains("RESULT 4950"), "after killing the scheduler:\n\(back.all)")
        let restarted = try #require(cluster.serviceProcess("scheduler"))
        let restartedOwner = try FileManager.default.attributesOfItem(atPath: "/proc/\(restarted)")[.ownerAccountName] as? String
        #expect(restarted != scheduler && restartedOwner == "clusterctl", "restarted scheduler \(restarted) runs as \(restartedOwner ?? "?")")
        let services = try cluster.status()["services"] as? [[String: Any]] ?? []
        #expect(services.first { $0["name"] as? String == "scheduler" }?["restarts"] as? Int == 1, "services: \(services)")

        let down = try cluster.clusterctl(["down", cluster.name, "--yes"], timeout: 300)
        #expect(down.status == 0, "down:\n\(down.all)")
        #expect(eventually(within: 30) { cluster.markedProcesses().isEmpty && cluster.watcherProcesses().isEmpty },
                "left running: \(cluster.markedProcesses()), watchers \(cluster.watcherProcesses())")
    }

    @Test func unreachableHostIsNamedWhileTheOthersComeUpAndARerunFinishes() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2", "127.0.0.3", "127.0.0.4"], spare: ["127.0.0.6"])
        defer { pool.stop() }
        let cluster = try harness("unreach")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2",
                                        workers: ["127.0.0.3", "127.0.0.4", "127.0.0.6"], count: 3)
        let up = try cluster.clusterctl(["up", file], timeout: 600)
        #expect(up.status == 1)
        #expect(up.stderr.contains("127.0.0.6"), "up:\n\(up.all)")
        let verdict = up.stderr.split(separator: "\n").first { $0.hasPrefix("error:") } ?? ""
        #expect(verdict.contains("1 node failed: 127.0.0.6"), "only the unreachable host is blamed:\n\(up.stderr)")
        #expect(up.stderr.contains("127.0.0.6: ssh connect"))
        #expect(try cluster.registeredWorkers() == 2)

        try pool.start("127.0.0.6")
        let rerun = try cluster.clusterctl(["up", file], timeout: 600)
        #expect(rerun.status == 0, "rerun:\n\(rerun.all)")
        #expect(try cluster.registeredWorkers() == 3)
    }

    @Test func hostKeysAreCheckedStrictlyOrTrustedOnFirstUse() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2", "127.0.0.3"])
        defer { pool.stop() }
        let cluster = try harness("hostkey")
        defer { cluster.tearDown() }
        let emptyKnownHosts = pool.directory.appendingPathComponent("known_hosts_empty").path
        FileManager.default.createFile(atPath: emptyKnownHosts, contents: Data())

        // strict: an unknown host is refused, and nothing is recorded.
        let strict = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2", workers: ["127.0.0.3"], count: 1,
                                          policy: "strict", knownHosts: emptyKnownHosts)
        let refused = try cluster.clusterctl(["up", strict])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("127.0.0.2"), "strict:\n\(refused.all)")
        #expect(refused.stderr.lowercased().contains("host key"))
        let recorded = cluster.home.appendingPathComponent("\(cluster.name)/known_hosts").path
        #expect(((try? String(contentsOfFile: recorded, encoding: .utf8)) ?? "").isEmpty)

        // accept-new: trusted on first use and recorded per cluster.
        let acceptNew = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2", workers: ["127.0.0.3"], count: 1,
                                             policy: "accept-new", knownHosts: emptyKnownHosts)
        let up = try cluster.clusterctl(["up", acceptNew], timeout: 600)
        try #require(up.status == 0, "accept-new:\n\(up.all)")
        let known = try String(contentsOfFile: recorded, encoding: .utf8)
        #expect(known.contains("127.0.0.2") && known.contains("127.0.0.3"))
        #expect(try cluster.clusterctl(["down", cluster.name, "--yes"], timeout: 300).status == 0)

        // A changed host key is refused under either policy, showing both fingerprints.
        let otherKey = pool.directory.appendingPathComponent("other_host_key").path
        _ = try CapturedRun.of("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", otherKey], timeout: 30)
        let otherFields = try String(contentsOfFile: otherKey + ".pub", encoding: .utf8).split(separator: " ")
        let lines = known.split(separator: "\n").filter { !$0.contains("127.0.0.2") }.map(String.init)
            + ["[127.0.0.2]:\(pool.port) \(otherFields[0]) \(otherFields[1])"]
        try (lines.joined(separator: "\n") + "\n").write(toFile: recorded, atomically: true, encoding: .utf8)
        let mismatch = try cluster.clusterctl(["up", acceptNew])
        #expect(mismatch.status == 1)
        #expect(mismatch.stderr.contains("127.0.0.2"), "mismatch:\n\(mismatch.all)")
        #expect(mismatch.stderr.components(separatedBy: "SHA256:").count >= 3, "both fingerprints:\n\(mismatch.stderr)")
        #expect(cluster.markedProcesses().isEmpty)
    }

    @Test func interruptedUpIsFinishedByASecondUp() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2", "127.0.0.3", "127.0.0.4"])
        defer { pool.stop() }
        let cluster = try harness("interrupt")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2",
                                        workers: ["127.0.0.3", "127.0.0.4"], count: 2)
        // Kill the CLI as soon as it has started bootstrapping the hosts.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LocalClusterHarness.binary)
        process.arguments = ["up", file]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["CLUSTERCTL_HOME": cluster.home.path, "CLUSTERCTL_TEMPLATES": LocalClusterHarness.templates]) { _, new in new }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var seen = Data()
        let sawBootstrap = eventually(within: 120, every: 0.01) {
            seen.append(errors.fileHandleForReading.availableData)
            return String(decoding: seen, as: UTF8.self).contains(": environment: ")
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(sawBootstrap)

        let second = try cluster.clusterctl(["up", file], timeout: 600)
        #expect(second.status == 0, "second up:\n\(second.all)")
        #expect(try cluster.registeredWorkers() == 2)
        #expect(try cluster.python(LocalClusterLifecycleTests.computeScript).stdout.contains("RESULT -285"))
    }

    @Test func hostileValuesAreRejectedAndNeverRun() throws {
        let cluster = try harness("hostile")
        defer { cluster.tearDown() }
        let witness = cluster.directory.appendingPathComponent("pwned").path
        for (key, value) in [("scheduler", "\"127.0.0.2$(touch \(witness))\""),
                             ("workers", "[\"127.0.0.3;touch \(witness)\"]"),
                             ("install_dir", "\"/tmp/x`touch \(witness)`\"")] {
            var provider = ["scheduler": "127.0.0.2", "workers": "[127.0.0.3]", "install_dir": "/tmp/clusterctl-hostile"]
            provider[key] = value
            let file = cluster.directory.appendingPathComponent("hostile-\(key).yaml")
            try """
            name: \(cluster.name)
            provider:
              kind: ssh
              host_key_policy: accept-new
              scheduler: \(provider["scheduler"]!)
              workers: \(provider["workers"]!)
              install_dir: \(provider["install_dir"]!)
            """.write(to: file, atomically: true, encoding: .utf8)
            let run = try cluster.clusterctl(["up", file.path])
            #expect(run.status == 2, "\(key): \(run.all)")
            #expect(run.stderr.contains("hostile-\(key).yaml:"), "\(key): \(run.stderr)")
        }
        let packages = cluster.directory.appendingPathComponent("hostile-packages.yaml")
        try """
        name: \(cluster.name)
        provider:
          kind: local
        environment:
          packages: ["dask; touch \(witness)", "x\\ny"]
        """.write(to: packages, atomically: true, encoding: .utf8)
        #expect(try cluster.clusterctl(["up", packages.path]).status == 2)
        #expect(!FileManager.default.fileExists(atPath: witness))
    }
}
