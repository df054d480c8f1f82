import Foundation
import Testing

/// The detached supervisor (local provider, ssh hosts without systemd) restarts a service that
/// exits unexpectedly, with no clusterctl command running, and gives up on one that fails at
/// once on every start; `status` counts the restarts and says why it gave up.
struct SupervisorRestartTests {
    /// Waits for 2 workers and computes: proof from a real client that the cluster works.
    static let computeWithTwoWorkers = """
    import os
    from distributed import Client
    with Client(os.environ["ADDRESS"], timeout=60) as client:
        client.wait_for_workers(2, timeout=120)
        print("RESULT", client.submit(sum, range(100)).result(timeout=60))
    """

    /// Seconds since `pid` started, from /proc (nil: it is gone).
    static func age(of pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")"),
              let uptime = (try? String(contentsOfFile: "/proc/uptime", encoding: .utf8))?.split(separator: " ").first
                .flatMap({ Double($0) }) else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]) else { return nil }
        return uptime - ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func service(_ name: String, in status: [String: Any]) -> [String: Any] {
        (status["services"] as? [[String: Any]] ?? []).first { $0["name"] as? String == name } ?? [:]
    }

    @Test func schedulerKilledTenTimesComesBackWithItsWorkersByItself() throws {
        let cluster = try LocalClusterHarness(prefix: "supervise")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 2)
        let up = try cluster.clusterctl(["up", file])
        try #require(up.status == 0, "up:\n\(up.all)")
        let environment = try cluster.clientEnvironment()
        let python = try cluster.connection().python
        var killed: Set<Int32> = []
        for round in 1...10 {
            // A scheduler killed within 5 s of its start counts as a quick failure; these are not.
            var victim: Int32?
            let settled = eventually(within: 120, every: 0.1) {
                victim = cluster.serviceProcess("scheduler").flatMap { killed.contains($0) ? nil : $0 }
                return victim.flatMap(Self.age).map { $0 > 5.5 } ?? false
            }
            try #require(settled, "round \(round): no new scheduler process ran for 5 s")
            try #require(kill(victim!, SIGKILL) == 0)
            killed.insert(victim!)
            // Back with both workers, as a client sees it, and no clusterctl command ran.
            let compute = try CapturedRun.of(python, ["-c", Self.computeWithTwoWorkers], environment: environment, timeout: 240)
            try #require(compute.stdout.contains("RESULT 4950"), "round \(round): the cluster did not come back:\n\(compute.all)")
        }
        let status = try cluster.status()
        let scheduler = Self.service("scheduler", in: status)
        #expect(scheduler["restarts"] as? Int == 10, "scheduler: \(scheduler)")
        #expect(scheduler["last_exit"] as? String == "killed by SIGKILL", "scheduler: \(scheduler)")
        #expect(scheduler["state"] as? String == "running")
        #expect(status["phase"] as? String == "up", "status: \(status)")
        let text = try cluster.clusterctl(["status", cluster.name])
        #expect(text.stdout.contains("RESTARTS") && text.stdout.contains("killed by SIGKILL"), "status:\n\(text.all)")
        #expect(cluster.serviceProcessCounts().values.allSatisfy { $0 == 1 }, "duplicates: \(cluster.serviceProcessCounts())")

        // down stops the watchers with their services: nothing comes back.
        let down = try cluster.clusterctl(["down", cluster.name, "--yes"])
        #expect(down.status == 0, "down:\n\(down.all)")
        #expect(eventually(within: 30) { cluster.markedProcesses().isEmpty && cluster.watcherProcesses().isEmpty },
                "left after down: services \(cluster.markedProcesses()), watchers \(cluster.watcherProcesses())")
    }

    @Test func aServiceThatFailsAtEveryStartIsGivenUpOnAndStatusSaysWhy() throws {
        let cluster = try LocalClusterHarness(prefix: "giveup")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 1)
        let up = try cluster.clusterctl(["up", file])
        try #require(up.status == 0, "up:\n\(up.all)")
        let address = try cluster.connection().address
        let port = try #require(address.split(separator: ":").last.flatMap { Int($0) }, "address \(address)")
        let scheduler = try #require(cluster.serviceProcess("scheduler"))

        // Something else takes the scheduler's port the moment it is free: every restart fails.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", """
            import socket, sys, time
            s = socket.socket()
            # As Dask does: the killed scheduler's connections leave the port in TIME_WAIT.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            while True:
                try:
                    s.bind(("127.0.0.1", \(port)))
                    break
                except OSError:
                    time.sleep(0.005)
            s.listen()
            print("HELD", flush=True)
            sys.stdin.read()
            """]
        let input = Pipe(), output = Pipe()
        holder.standardInput = input
        holder.standardOutput = output
        try holder.run()
        defer {
            if holder.isRunning { kill(holder.processIdentifier, SIGKILL) }
            holder.waitUntilExit()
        }
        try #require(kill(scheduler, SIGKILL) == 0)

        var last: [String: Any] = [:]
        let gaveUp = try eventually(within: 180, every: 0.5) {
            last = Self.service("scheduler", in: try cluster.status())
            return last["gave_up"] is String
        }
        try #require(gaveUp, "the supervisor kept restarting a scheduler that cannot listen: \(last)")
        #expect(last["state"] as? String == "stopped", "scheduler: \(last)")
        #expect((last["gave_up"] as? String)?.contains("5 starts in a row ended within 5 s") == true, "scheduler: \(last)")
        #expect((last["last_exit"] as? String)?.hasPrefix("exited with status") == true, "scheduler: \(last)")
        // 4 when every failed start ends within 5 s; a start slowed past that (a loaded machine)
        // counts as a run of its own and restarts the count.
        #expect((last["restarts"] as? Int).map { $0 >= 4 } == true, "scheduler: \(last)")
        let text = try cluster.clusterctl(["status", cluster.name])
        #expect(text.stdout.contains("scheduler is no longer restarted: 5 starts in a row"), "status:\n\(text.all)")
        let logs = try cluster.clusterctl(["logs", cluster.name, "--role", "scheduler", "--tail", "400"])
        #expect(logs.stdout.lowercased().contains("address already in use"), "logs:\n\(logs.all)")
        #expect(logs.stdout.contains("clusterctl-supervisor: \(cluster.name)/scheduler exited with status"), "logs:\n\(logs.all)")

        // Once the port is free again, up repairs it.
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        let repair = try cluster.clusterctl(["up", file])
        #expect(repair.status == 0, "up after the port was freed:\n\(repair.all)")
        #expect(try cluster.registeredWorkers() == 1)
        let repaired = Self.service("scheduler", in: try cluster.status())
        #expect(repaired["gave_up"] == nil || repaired["gave_up"] is NSNull, "a new start keeps the old give-up: \(repaired)")
    }
}
