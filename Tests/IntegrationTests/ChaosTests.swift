import Foundation
import Testing

/// Faults operators meet, injected into real clusters: `up` killed at any point, Dask processes
/// killed under a running cluster, several commands on one cluster at once. Each scenario runs
/// `Chaos.trials` times, asserts on every trial, and records its figures for
/// `docs/reliability.md` (`make chaos`).
@Suite(.serialized)
struct ChaosTests {
    @Test func upKilledAtARandomPointConvergesOnTheNextUpLocally() throws {
        let cluster = try LocalClusterHarness(prefix: "chaos-up")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 2)
        try killedUpTrials(cluster, file: file, workers: 2,
                           row: Chaos.Row("`up` SIGKILLed at a random point, then `up` again (local)"))
    }

    @Test func upKilledAtARandomPointConvergesOnTheNextUpOverSSH() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2", "127.0.0.3", "127.0.0.4"])
        defer { pool.stop() }
        let cluster = try LocalClusterHarness(prefix: "chaos-ssh")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2", workers: ["127.0.0.3", "127.0.0.4"], count: 2)
        try killedUpTrials(cluster, file: file, workers: 2,
                           row: Chaos.Row("`up` SIGKILLed at a random point, then `up` again (ssh, 3 hosts)"))
    }

    /// Kills `up` at a random point of a clean run's duration, runs `up` again, and checks the
    /// cluster is whole, each service runs once, and `down` leaves nothing.
    private func killedUpTrials(_ cluster: LocalClusterHarness, file: String, workers: Int, row: Chaos.Row) throws {
        var row = row
        let clean = Date()
        let first = try cluster.clusterctl(["up", file], timeout: 900)
        try #require(first.status == 0, "a clean up failed:\n\(first.all)")
        let duration = Date().timeIntervalSince(clean)
        for trial in 0..<Chaos.trials {
            let down = try cluster.clusterctl(["down", cluster.name, "--yes"], timeout: 300)
            try #require(down.status == 0, "down before trial \(trial):\n\(down.all)")
            let up = try cluster.startClusterctl(["up", file])
            let delay = Double.random(in: 0...duration)
            _ = eventually(within: delay, every: 0.01) { !up.isRunning }
            if up.isRunning { kill(up.processIdentifier, SIGKILL) }
            up.waitUntilExit()

            let started = Date()
            let again = try cluster.clusterctl(["up", file], timeout: 900)
            let seconds = Date().timeIntervalSince(started)
            let registered = try cluster.registeredWorkers()
            let converged = again.status == 0 && registered == workers
            let counts = cluster.serviceProcessCounts()
            let duplicates = counts.values.contains { $0 > 1 }
            row.trial(converged: converged, duplicates: duplicates, seconds: seconds)
            #expect(converged, "trial \(trial), killed after \(String(format: "%.2f", delay)) s:\n\(again.all)")
            #expect(!duplicates, "trial \(trial): a service runs twice: \(counts)")
        }
        let down = try cluster.clusterctl(["down", cluster.name, "--yes"], timeout: 300)
        #expect(down.status == 0, "down:\n\(down.all)")
        #expect(cluster.markedProcesses().isEmpty, "left running after down: \(cluster.markedProcesses())")
        try Chaos.record(row)
    }

    /// SIGKILL of a Dask worker, of the process holding the nannies, and of the scheduler, on a
    /// local cluster holding a persisted collection. Each comes back by itself (a worker by its
    /// nanny, the others by the detached supervisor), with no clusterctl command; `status`,
    /// asked right after the kill, never reports the killed process as running.
    @Test func killedDaskProcessesComeBack() throws {
        let cluster = try LocalClusterHarness(prefix: "chaos-kill")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 2)
        let up = try cluster.clusterctl(["up", file], timeout: 900)
        try #require(up.status == 0, "up:\n\(up.all)")
        let workerService = try #require(cluster.serviceProcessCounts().keys.first { $0 != "scheduler" })
        var rows = [
            "worker": Chaos.Row("a Dask worker SIGKILLed (local)", note: "its nanny restarts it; nothing else is needed"),
            "nanny": Chaos.Row("the worker service SIGKILLed (local, detached supervisor)",
                               note: "the supervisor restarts it and its workers register again; the scheduler computes what they held again"),
            "scheduler": Chaos.Row("the scheduler SIGKILLed (local, detached supervisor)",
                                   note: "the supervisor restarts it and the workers register again; what the scheduler held is lost with it"),
        ]
        for trial in 0..<Chaos.trials {
            for target in ["worker", "nanny", "scheduler"] {
                let persisted = try cluster.python(Self.persist)
                try #require(persisted.stdout.contains("PUBLISHED"), "persist:\n\(persisted.all)")
                let victim: Int32
                var victimAddress = ""
                switch target {
                case "worker":
                    let first = try cluster.python(Self.workerPids).stdout.split(separator: "\n").first?.split(separator: " ")
                    victim = try #require(first.flatMap { Int32($0[0]) }, "no worker pid")
                    victimAddress = first.map { String($0[1]) } ?? ""
                case "nanny": victim = try #require(cluster.serviceProcess(workerService))
                default: victim = try #require(cluster.serviceProcess("scheduler"))
                }
                let killedAt = Date()
                try #require(kill(victim, SIGKILL) == 0)
                var converged: Bool
                if target == "worker" {
                    // Back when the scheduler lists two workers again, the killed one not among them.
                    converged = try eventually(within: 120, every: 0.2) {
                        let list = (try cluster.status()["workers"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
                        let addresses = list.compactMap { $0["address"] as? String }
                        return addresses.count == 2 && !addresses.contains(victimAddress)
                    }
                } else {
                    let service = target == "nanny" ? workerService : "scheduler"
                    // status is true at once: the killed process is not reported running.
                    _ = eventually(within: 10, every: 0.02) { kill(victim, 0) != 0 }
                    let status = try cluster.status()
                    let entry = (status["services"] as? [[String: Any]] ?? []).first { $0["name"] as? String == service } ?? [:]
                    let reportedPid = (entry["pid"] as? Int).map { Int32($0) }
                    #expect(entry["state"] as? String != "running" || reportedPid != victim,
                            "trial \(trial): status reports the killed \(service) (pid \(victim)) running: \(entry)")
                    // Back by itself: both workers registered, as a client sees it.
                    let back = try cluster.python(SupervisorRestartTests.computeWithTwoWorkers, timeout: 240)
                    converged = back.stdout.contains("RESULT 4950") && cluster.serviceProcess(service) != victim
                    #expect(converged, "trial \(trial): after killing the \(target):\n\(back.all)")
                }
                let seconds = Date().timeIntervalSince(killedAt)
                let read = try cluster.python(Self.readPublished)
                let lost = !read.stdout.contains("SUM 4950")
                let counts = cluster.serviceProcessCounts()
                let duplicates = counts.values.contains { $0 > 1 }
                rows[target]?.trial(converged: converged, duplicates: duplicates, dataLost: lost, seconds: seconds)
                #expect(converged, "trial \(trial): the cluster did not come back after killing the \(target)")
                #expect(!duplicates, "trial \(trial): a service runs twice after killing the \(target): \(counts)")
                if target != "scheduler" {
                    #expect(!lost, "trial \(trial): the persisted collection was lost with the \(target):\n\(read.all)")
                }
            }
        }
        for row in rows.values { try Chaos.record(row) }
    }

    /// Four commands on one cluster at once (`up`, two `scale`s, `down`): the lock serialises
    /// them, every one ends, `state.json` is never torn, and what runs matches what it says.
    @Test func concurrentCommandsAreSerialised() throws {
        let cluster = try LocalClusterHarness(prefix: "chaos-lock")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 1)
        let first = try cluster.clusterctl(["up", file], timeout: 900)
        try #require(first.status == 0, "up:\n\(first.all)")
        var row = Chaos.Row("`up`, `scale 2`, `scale 3` and `down` at once on one cluster (local)",
                            note: "converged: what runs matches the state the last command left")
        let stateFile = cluster.home.appendingPathComponent("\(cluster.name)/state.json")
        for trial in 0..<Chaos.trials {
            let commands = [["up", file], ["scale", cluster.name, "2"], ["scale", cluster.name, "3"],
                            ["down", cluster.name, "--yes"]].shuffled()
            let started = Date()
            let processes = try commands.map { try cluster.startClusterctl($0) }
            let ended = eventually(within: 900, every: 0.1) { processes.allSatisfy { !$0.isRunning } }
            #expect(ended, "trial \(trial): commands still running")
            let seconds = Date().timeIntervalSince(started)
            // The state file parses whenever it exists.
            if let data = FileManager.default.contents(atPath: stateFile.path) {
                #expect((try? JSONSerialization.jsonObject(with: data)) != nil, "trial \(trial): torn state.json")
            }
            let status = try cluster.status()
            let phase = status["phase"] as? String
            let workers = status["workers"] as? [String: Any]
            let consistent: Bool
            if phase == "down" {
                consistent = cluster.markedProcesses().isEmpty
            } else {
                consistent = phase == "up" && workers?["registered"] as? Int == workers?["desired"] as? Int
            }
            let counts = cluster.serviceProcessCounts()
            let duplicates = counts.values.contains { $0 > 1 }
            row.trial(converged: consistent, duplicates: duplicates, seconds: seconds)
            let order = commands.map { $0[0] }
            #expect(consistent, "trial \(trial) (\(order)): status says \(phase ?? "?") with \(workers ?? [:]); processes \(cluster.markedProcesses().count)")
            #expect(!duplicates, "trial \(trial): a service runs twice: \(counts)")
            let reset = try cluster.clusterctl(["up", file, "--yes"], timeout: 900)
            try #require(reset.status == 0, "up after trial \(trial):\n\(reset.all)")
        }
        try Chaos.record(row)
    }

    /// A worker host whose network path fails (its connections reset, or frozen before the
    /// command connects) during `up`, `scale` or `down`: the command fails naming that host,
    /// the other hosts are not held up, and the same command after healing finishes the job.
    @Test func hostUnreachableDuringACommandIsNamedAndARerunFinishes() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2", "127.0.0.3", "127.0.0.4"], spare: ["127.0.0.6"])
        defer { pool.stop() }
        let proxy = try TCPFaultProxy(address: "127.0.0.6", port: pool.port, target: "127.0.0.4", directory: pool.directory)
        defer { proxy.stop() }
        let cluster = try LocalClusterHarness(prefix: "chaos-net")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2", workers: ["127.0.0.3", "127.0.0.6"], count: 2)
        let first = try cluster.clusterctl(["up", file], timeout: 900)
        try #require(first.status == 0, "up:\n\(first.all)")
        var row = Chaos.Row("a worker host's network resets or stops answering as `up`, `scale` or `down` runs (ssh, 3 hosts)",
                            note: "converged: the command failed naming the host, the other hosts went on, and the same command after healing finished")
        for trial in 0..<Chaos.trials {
            let command = ["up", "scale", "down"][trial % 3]
            let fault: TCPFaultProxy.Mode = trial % 2 == 0 ? .drop : .stall
            // Set up what the command starts from: up from nothing, scale from one worker, down from two.
            _ = try cluster.clusterctl(["down", cluster.name, "--yes"], timeout: 300)
            var arguments = ["up", file]
            if command == "scale" {
                let one = try cluster.clusterctl(["up", file], timeout: 900)
                try #require(one.status == 0, "up before scale:\n\(one.all)")
                let down = try cluster.clusterctl(["scale", cluster.name, "1"], timeout: 300)
                try #require(down.status == 0, "scale 1 before the trial:\n\(down.all)")
                arguments = ["scale", cluster.name, "2"]
            } else if command == "down" {
                let two = try cluster.clusterctl(["up", file], timeout: 900)
                try #require(two.status == 0, "up before down:\n\(two.all)")
                arguments = ["down", cluster.name, "--yes"]
            }
            try proxy.set(fault)
            let started = Date()
            let failed = try cluster.clusterctl(arguments, timeout: 900)
            try proxy.set(.pass)
            let named = failed.status != 0 && failed.stderr.contains("127.0.0.6")
            #expect(named, "trial \(trial): \(command) with the path to 127.0.0.6 \(fault.rawValue):\n\(failed.all)")
            if command != "down" {
                // The other worker host was not held up.
                let states = (try cluster.status()["services"] as? [[String: Any]] ?? [])
                    .filter { $0["node"] as? String == "127.0.0.3" }.compactMap { $0["state"] as? String }
                #expect(states == ["running"], "trial \(trial): the healthy host's service: \(states)")
            }
            let rerun = try cluster.clusterctl(arguments, timeout: 900)
            let seconds = Date().timeIntervalSince(started)
            let whole = command == "down" ? cluster.markedProcesses().isEmpty : (try cluster.registeredWorkers()) == 2
            #expect(rerun.status == 0 && whole, "trial \(trial): \(command) after healing:\n\(rerun.all)")
            let counts = cluster.serviceProcessCounts()
            row.trial(converged: named && rerun.status == 0 && whole, duplicates: counts.values.contains { $0 > 1 }, seconds: seconds)
        }
        try Chaos.record(row)
    }

    /// The ec2 provider's `up` and `down` with moto behind ``EC2FaultProxy``: every fourth
    /// request is throttled (503 `RequestLimitExceeded`), reset or slowed by 2 s, in turn. Both
    /// commands finish through their retries (each failed request sent again unchanged), a real
    /// client computes on the cluster, no instance is launched twice, and `down` leaves nothing
    /// in moto.
    @Test(.enabled(if: EC2Sandbox.unavailableReason == nil, Comment(rawValue: EC2Sandbox.unavailableReason ?? "")))
    func ec2UpAndDownFinishThroughThrottlingResetsAndSlowReplies() throws {
        let sandbox = try EC2ClusterTests.sandbox()
        defer { sandbox.stop() }
        let proxy = try EC2FaultProxy(in: sandbox, every: 4, slowSeconds: 2)
        defer { proxy.stop() }
        let cluster = try LocalClusterHarness(prefix: "chaos-ec2")
        defer {
            // Terminating an instance in moto stops nothing on this machine: do what EC2 would.
            cluster.killAll()
            try? FileManager.default.removeItem(at: cluster.directory)
        }
        try EC2Sandbox.warmUVCache()
        let file = try EC2ClusterTests.clusterFile(cluster, workers: 2)
        let throughProxy = ["CLUSTERCTL_HOME": cluster.home.path, "CLUSTERCTL_TEMPLATES": LocalClusterHarness.templates,
                            "AWS_ENDPOINT_URL": proxy.endpoint]
        var row = Chaos.Row("moto behind a proxy injecting 503 RequestLimitExceeded, connection resets and slow responses "
                            + "during `up` and `down` (ec2)",
                            note: "converged: `up` finished and a client computed on it, then `down` left no instance, "
                            + "security group or key pair; worst: `up` and `down` together")
        for trial in 0..<Chaos.trials {
            let before = try proxy.injected()
            let started = Date()
            let up = try sandbox.clusterctl(["up", file, "--yes"], environment: throughProxy, timeout: 600)
            let computed = try up.status == 0 && EC2ClusterTests.compute(sandbox, cluster).stdout.contains("RESULT -285")
            let launched = EC2ClusterTests.roles(try EC2ClusterTests.inventory(sandbox, cluster.name))
            let down = try sandbox.clusterctl(["down", cluster.name, "--yes"], environment: throughProxy, timeout: 600)
            let seconds = Date().timeIntervalSince(started)
            cluster.killAll()
            let left = try EC2ClusterTests.inventory(sandbox, cluster.name)
            let empty = EC2ClusterTests.instances(left).isEmpty && (left["groups"] as? [Any] ?? []).isEmpty
                && (left["keys"] as? [Any] ?? []).isEmpty
            let faults = try proxy.injected().since(before)
            let duplicated = launched.count > 3
            row.trial(converged: computed && down.status == 0 && empty, duplicates: duplicated, seconds: seconds)

            #expect(up.status == 0 && computed, "trial \(trial): up through the faults:\n\(up.all)\n\(proxy.log)")
            #expect(launched == ["scheduler", "worker", "worker"], "trial \(trial): instances after up: \(launched)")
            #expect(down.status == 0, "trial \(trial): down through the faults:\n\(down.all)\n\(proxy.log)")
            #expect(empty, "trial \(trial): left in moto after down: \(left)")
            #expect(faults.throttled > 0 && faults.resets > 0 && faults.slow > 0,
                    "trial \(trial): the proxy did not inject every kind of fault: \(faults)")
            #expect(faults.retried == faults.throttled + faults.resets,
                    "trial \(trial): a failed request was not retried unchanged: \(faults)\n\(proxy.log)")
        }
        try Chaos.record(row)
    }

    /// Persists a collection on the workers and publishes it as `x` (replacing an earlier one).
    static let persist = """
    import os
    import dask.array as da
    from distributed import Client
    with Client(os.environ["ADDRESS"], timeout=30) as client:
        if "x" in client.list_datasets():
            client.unpublish_dataset("x")
        x = client.persist(da.arange(100, chunks=10))
        client.publish_dataset(x=x)
        print("PUBLISHED", x.sum().compute())
    """

    /// Reads the published collection back.
    static let readPublished = """
    import os
    from distributed import Client
    with Client(os.environ["ADDRESS"], timeout=30) as client:
        print("SUM", client.get_dataset("x").sum().compute(timeout=60))
    """

    /// Every worker process as `PID ADDRESS`, one per line.
    static let workerPids = """
    import os
    from distributed import Client
    with Client(os.environ["ADDRESS"], timeout=30) as client:
        print("\\n".join(f"{pid} {address}" for address, pid in client.run(os.getpid).items()))
    """
}
