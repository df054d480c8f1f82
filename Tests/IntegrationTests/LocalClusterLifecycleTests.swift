import Foundation
import Testing

/// The whole life of a local cluster, driven through the built binary and checked from
/// outside: a real Python Dask client computes against it.
@Suite(.serialized)
struct LocalClusterLifecycleTests {
    static let computeScript = """
    import os
    from distributed import Client
    with Client(os.environ["ADDRESS"], timeout=30) as client:
        A = client.map(lambda x: x**2, range(10))
        B = client.map(lambda x: -x, A)
        print("RESULT", client.submit(sum, B).result())
    """

    @Test func upComputeScaleRecoverLogsDown() throws {
        let cluster = try LocalClusterHarness(prefix: "life")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 2)

        // up: two workers, then a real client computes.
        let up = try cluster.clusterctl(["up", file])
        try #require(up.status == 0, "up failed:\n\(up.all)")
        #expect(up.stdout.contains("client = Client(\"tcp://127.0.0.1:"))
        #expect(try cluster.registeredWorkers() == 2)
        let compute = try cluster.python(Self.computeScript)
        #expect(compute.stdout.contains("RESULT -285"), "client run:\n\(compute.all)")

        // Every Dask process listens on loopback only.
        let (address, _) = try cluster.connection()
        #expect(address.hasPrefix("tcp://127.0.0.1:"))
        let listeners = try listeningAddresses(of: Set(cluster.markedProcesses()))
        #expect(listeners.count >= 5, "scheduler, its HTTP server, nannies and workers: \(listeners)")
        #expect(listeners.allSatisfy { $0.hasPrefix("127.0.0.1:") }, "listening beyond loopback: \(listeners)")

        // A second up of the same file changes nothing and says so.
        let again = try cluster.clusterctl(["up", file])
        #expect(again.status == 0)
        #expect(again.stdout.contains("nothing changed"), "second up:\n\(again.all)")
        #expect(!again.stderr.contains("starting"))

        // scale up to 3: status shows 3 registered.
        let scaleUp = try cluster.clusterctl(["scale", cluster.name, "3"])
        try #require(scaleUp.status == 0, "scale 3 failed:\n\(scaleUp.all)")
        let status = try cluster.status()
        let workers = status["workers"] as? [String: Any]
        #expect(workers?["registered"] as? Int == 3)
        #expect(workers?["desired"] as? Int == 3)
        #expect((workers?["list"] as? [[String: Any]])?.count == 3)
        for worker in workers?["list"] as? [[String: Any]] ?? [] {
            #expect((worker["address"] as? String)?.hasPrefix("tcp://127.0.0.1:") == true)
            for key in ["name", "host", "nthreads", "memory_limit", "status"] { #expect(worker[key] != nil) }
        }

        // A persisted collection survives a graceful scale down to 1.
        let persist = try cluster.python("""
        import os, dask.bag as db
        from distributed import Client, wait
        with Client(os.environ["ADDRESS"], timeout=30) as client:
            bag = db.from_sequence(range(60), npartitions=6).map(lambda x: x * 2).persist()
            wait(bag)
            client.publish_dataset(doubled=bag)
            holders = {w for ws in client.who_has(bag).values() for w in ws}
            print("HOLDERS", len(holders))
        """)
        try #require(persist.status == 0, "persist failed:\n\(persist.all)")
        let scaleDown = try cluster.clusterctl(["scale", cluster.name, "1"])
        try #require(scaleDown.status == 0, "scale 1 failed:\n\(scaleDown.all)")
        #expect(try cluster.registeredWorkers() == 1)
        let survived = try cluster.python("""
        import os
        from distributed import Client
        with Client(os.environ["ADDRESS"], timeout=30) as client:
            bag = client.get_dataset("doubled")
            print("SUM", bag.sum().compute())
        """)
        #expect(survived.stdout.contains("SUM 3540"), "after scale down:\n\(survived.all)")

        // A SIGKILLed worker process comes back by itself (its nanny) and re-registers.
        let pids = try cluster.python("""
        import os
        from distributed import Client
        with Client(os.environ["ADDRESS"], timeout=30) as client:
            for address, pid in client.run(os.getpid).items():
                print("PID", address, pid)
        """)
        let killed = pids.stdout.split(separator: "\n").filter { $0.hasPrefix("PID ") }
        try #require(killed.count == 1, "expected one worker:\n\(pids.all)")
        let parts = killed[0].split(separator: " ")
        let oldAddress = String(parts[1])
        let pid = Int32(parts[2])!
        #expect(kill(pid, SIGKILL) == 0)
        let back = try eventually(within: 60) {
            let list = ((try cluster.status()["workers"] as? [String: Any])?["list"] as? [[String: Any]]) ?? []
            return list.count == 1 && list[0]["address"] as? String != oldAddress
        }
        #expect(back, "the killed worker did not re-register")
        #expect(try cluster.python(Self.computeScript).stdout.contains("RESULT -285"))

        // logs shows the scheduler's log.
        let logs = try cluster.clusterctl(["logs", cluster.name, "--role", "scheduler", "--tail", "500"])
        #expect(logs.status == 0)
        #expect(logs.stdout.contains("[scheduler]"))
        #expect(logs.stdout.contains("Scheduler at:"), "logs:\n\(logs.all)")

        // exec runs on the cluster's node with prefixed output and fails when the command does.
        let exec = try cluster.clusterctl(["exec", cluster.name, "--", "echo from-$(hostname)-node; exit 4"])
        #expect(exec.status == 1)
        #expect(exec.stdout.contains("[localhost] from-"))
        #expect(exec.stderr.contains("localhost: 4"))

        // down leaves no clusterctl-started process and frees the scheduler's port.
        let port = Int(address.split(separator: ":").last!)!
        #expect(cluster.markedProcesses().count >= 3)
        let down = try cluster.clusterctl(["down", cluster.name, "--yes"])
        #expect(down.status == 0, "down failed:\n\(down.all)")
        #expect(cluster.markedProcesses().isEmpty, "processes left: \(cluster.markedProcesses())")
        #expect(portIsFree(port))
        // down is idempotent.
        let downAgain = try cluster.clusterctl(["down", cluster.name, "--yes"])
        #expect(downAgain.status == 0)
        #expect(downAgain.stdout.contains("already down"))
        // --purge forgets the cluster and its logs.
        let purge = try cluster.clusterctl(["down", cluster.name, "--yes", "--purge"])
        #expect(purge.status == 0, "purge: \(purge.all)")
        #expect(!FileManager.default.fileExists(atPath: cluster.home.appendingPathComponent(cluster.name).path))
        #expect(try cluster.clusterctl(["status", cluster.name]).status == 1)
    }

    /// `scale` changes the stored spec, not the file: the next `up FILE` says it would undo the
    /// scale and asks; with no terminal and no --yes it refuses and changes nothing.
    @Test func upAsksBeforeUndoingAScale() throws {
        let cluster = try LocalClusterHarness(prefix: "unscale")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 1)
        let up = try cluster.clusterctl(["up", file])
        try #require(up.status == 0, "up failed:\n\(up.all)")
        let scale = try cluster.clusterctl(["scale", cluster.name, "2"])
        try #require(scale.status == 0, "scale 2 failed:\n\(scale.all)")
        #expect(try cluster.registeredWorkers() == 2)

        // The dry run says so.
        let dry = try cluster.clusterctl(["up", file, "--dry-run"])
        #expect(dry.status == 0, "dry run:\n\(dry.all)")
        #expect(dry.stdout.contains("undo `clusterctl scale`"), "dry run:\n\(dry.all)")

        // No terminal (stdin is /dev/null) and no --yes: refused, nothing changed.
        let refused = try cluster.clusterctl(["up", file])
        #expect(refused.status == 2, "up without --yes:\n\(refused.all)")
        #expect(refused.stderr.contains("undo `clusterctl scale` (2 workers back to the 1 in \(file))"), "\(refused.all)")
        #expect(refused.stderr.contains("nothing was changed"), "\(refused.all)")
        #expect(refused.stderr.contains("--yes"), "\(refused.all)")
        #expect(refused.stderr.contains("  ! undo `clusterctl scale`: go from the 2 workers"), "the plan says so:\n\(refused.all)")
        let status = try cluster.status()
        #expect((status["workers"] as? [String: Any])?["desired"] as? Int == 2)
        #expect(try cluster.registeredWorkers() == 2)

        // --yes answers: back to the file's count, and the next up is quiet again.
        let confirmed = try cluster.clusterctl(["up", file, "--yes"])
        #expect(confirmed.status == 0, "up --yes:\n\(confirmed.all)")
        #expect(try cluster.registeredWorkers() == 1)
        let again = try cluster.clusterctl(["up", file])
        #expect(again.status == 0, "up after --yes:\n\(again.all)")
        #expect(again.stdout.contains("nothing changed"), "up after --yes:\n\(again.all)")
    }

    @Test func upRepairsADeadSchedulerAndWorkers() throws {
        let cluster = try LocalClusterHarness(prefix: "repair")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 1)
        try #require(try cluster.clusterctl(["up", file]).status == 0)

        // Kill every process of the cluster, the supervisor's too: status shows the gap, up repairs it.
        cluster.killAll()
        #expect(eventually(within: 10) { cluster.markedProcesses().isEmpty })
        let status = try cluster.clusterctl(["status", cluster.name])
        #expect(status.stdout.contains("NOT RUNNING"), "status:\n\(status.all)")
        #expect(status.stdout.contains("0 registered / 1 desired"))

        let repair = try cluster.clusterctl(["up", file])
        try #require(repair.status == 0, "repair failed:\n\(repair.all)")
        #expect(try cluster.registeredWorkers() == 1)
        #expect(try cluster.python(Self.computeScript).stdout.contains("RESULT -285"))
    }
}

/// Local addresses of the TCP sockets that `pids` listen on, from `ss`.
func listeningAddresses(of pids: Set<Int32>) throws -> [String] {
    let run = try CapturedRun.of("ss", ["-Hltnp"], timeout: 30)
    return run.stdout.split(separator: "\n").compactMap { line -> String? in
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 6 else { return nil }
        let owners = fields[5...].joined(separator: " ")
        let owned = owners.components(separatedBy: "pid=").dropFirst().contains { part in
            Int32(part.prefix { $0.isNumber }).map(pids.contains) ?? false
        }
        return owned ? String(fields[3]) : nil
    }
}

/// True if nothing listens on 127.0.0.1:`port`.
func portIsFree(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return connected != 0
}
