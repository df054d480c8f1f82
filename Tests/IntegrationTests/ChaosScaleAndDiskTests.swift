import Foundation
import Testing

/// Two more of the chaos suite's scenarios (`Chaos`): graceful scale-down under a running
/// computation, and state writes on a full filesystem. Apart from `ChaosTests`, whose
/// scenarios run one after another, so that these run beside them.
struct ChaosScaleAndDiskTests {
    /// 10,000 keys persisted and published as `big`, their sum printed.
    static let persistTenThousandKeys = """
    import os
    import dask.array as da
    from distributed import Client
    with Client(os.environ["ADDRESS"], timeout=30) as client:
        if "big" in client.list_datasets():
            client.unpublish_dataset("big")
        x = client.persist(da.arange(10000, chunks=1))
        client.publish_dataset(big=x)
        print("PUBLISHED", len(x.__dask_keys__()), x.sum().compute(timeout=300))
    """

    /// Sums `big` over and over until the file named by the first argument exists, then once
    /// more; prints each failure, the rounds, and how many of its keys the scheduler still holds.
    static let computeUntilTold = """
    import os, sys
    from distributed import Client
    with Client(os.environ["ADDRESS"], timeout=30) as client:
        x = client.get_dataset("big")
        rounds = errors = 0
        while True:
            last = os.path.exists(sys.argv[1])
            try:
                total = x.sum().compute(timeout=300)
                if total != 49995000:
                    raise ValueError(f"sum {total}")
                rounds += 1
            except Exception as error:
                errors += 1
                print("ERROR", type(error).__name__, error, flush=True)
            if last:
                break
        held = client.run_on_scheduler(lambda dask_scheduler, keys: sum(k in dask_scheduler.tasks and
                                       dask_scheduler.tasks[k].state == "memory" for k in keys),
                                       keys=[str(k) if not isinstance(k, tuple) else k for k in x.__dask_keys__()])
        print("ROUNDS", rounds, "ERRORS", errors, "HELD", held, flush=True)
    """

    @Test func gracefulScaleDownUnderAComputationLosesNoKey() throws {
        let cluster = try LocalClusterHarness(prefix: "chaos-retire")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 4)
        let up = try cluster.clusterctl(["up", file], timeout: 900)
        try #require(up.status == 0, "up:\n\(up.all)")
        let python = try cluster.connection().python
        let environment = try cluster.clientEnvironment()
        var row = Chaos.Row("a persisted collection of 10,000 keys while computing on it, scaled from 4 workers to 1 (local)",
                            note: "data lost: keys of the collection the scheduler no longer held in memory afterwards")
        for trial in 0..<max(1, Chaos.trials / 2) {
            if trial > 0 {
                let back = try cluster.clusterctl(["scale", cluster.name, "4"], timeout: 300)
                try #require(back.status == 0, "trial \(trial), scale 4:\n\(back.all)")
            }
            let persisted = try cluster.python(Self.persistTenThousandKeys, timeout: 600)
            try #require(persisted.stdout.contains("PUBLISHED 10000 49995000"), "trial \(trial), persist:\n\(persisted.all)")

            // A client computes on the collection while the workers retire.
            let flag = cluster.directory.appendingPathComponent("stop-\(trial)").path
            let output = cluster.directory.appendingPathComponent("compute-\(trial).txt")
            FileManager.default.createFile(atPath: output.path, contents: nil)
            let computing = Process()
            computing.executableURL = URL(fileURLWithPath: python)
            computing.arguments = ["-c", Self.computeUntilTold, flag]
            computing.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            computing.standardOutput = try FileHandle(forWritingTo: output)
            computing.standardError = computing.standardOutput
            try computing.run()
            defer { if computing.isRunning { kill(computing.processIdentifier, SIGKILL) } }

            let started = Date()
            let scale = try cluster.clusterctl(["scale", cluster.name, "1"], timeout: 600)
            let seconds = Date().timeIntervalSince(started)
            FileManager.default.createFile(atPath: flag, contents: nil)
            let finished = eventually(within: 600, every: 0.2) { !computing.isRunning }
            let report = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            let held = report.components(separatedBy: "HELD ").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            let registered = try cluster.registeredWorkers()
            let converged = scale.status == 0 && registered == 1 && finished
            let lost = held.map { 10_000 - $0 } ?? 10_000
            let counts = cluster.serviceProcessCounts()
            row.trial(converged: converged, duplicates: counts.values.contains { $0 > 1 }, dataLost: lost > 0, seconds: seconds)
            #expect(converged, "trial \(trial): scale 1 (\(registered) registered):\n\(scale.all)\n\(report)")
            #expect(lost == 0, "trial \(trial): \(lost) keys lost:\n\(report)")
            #expect(report.contains("ERRORS 0 "), "trial \(trial): the computation failed during the scale-down:\n\(report)")
        }
        try Chaos.record(row)
    }

    @Test func aFullFilesystemFailsClearlyAndKeepsTheState() throws {
        let cluster = try LocalClusterHarness(prefix: "chaos-full")
        let home = cluster.home.path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let mount = try CapturedRun.of("mount", ["-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", home])
        try #require(mount.status == 0, "cannot mount a tmpfs for the home: \(mount.all)")
        defer {
            cluster.tearDown()
            _ = try? CapturedRun.of("umount", ["-l", home])
            try? FileManager.default.removeItem(at: cluster.directory)
        }
        let file = try cluster.writeClusterFile(workers: 2)
        let up = try cluster.clusterctl(["up", file], timeout: 900)
        try #require(up.status == 0, "up:\n\(up.all)")
        let statePath = "\(home)/\(cluster.name)/state.json"
        let filler = "\(home)/filler"
        var row = Chaos.Row("`scale` up or down with the state home's filesystem full, then again once there is room (local, tmpfs)",
                            note: "converged: the run on the full disk failed saying so with state.json as it was (or, "
                                + "where stopping a service freed room, finished), and the rerun finished")
        for trial in 0..<Chaos.trials {
            let count = trial % 2 == 0 ? 3 : 2
            let before = try Data(contentsOf: URL(fileURLWithPath: statePath))
            // Fill what is left (tmpfs takes what it is given until it has no page left).
            _ = try CapturedRun.of("sh", ["-c", "cat /dev/zero > '\(filler)' 2>/dev/null; true"], timeout: 60)
            let full = try cluster.clusterctl(["scale", cluster.name, String(count)], timeout: 300)
            let after = try Data(contentsOf: URL(fileURLWithPath: statePath))
            // Either it failed saying why, with the state as it was, or it found room (a
            // scale-down deletes the stopped service's files) and finished.
            let registeredAfter = try cluster.registeredWorkers()
            let finished = full.status == 0 && registeredAfter == count
            let clear = finished || (full.status != 0 && full.stderr.lowercased().contains("no space left") && after == before)
            #expect(clear, "trial \(trial): scale \(count) on a full disk (state \(after == before ? "kept" : "changed")):\n\(full.all)")
            #expect(!full.stderr.contains("Fatal error") && !full.stderr.contains("Stack dump"), "a crash:\n\(full.all)")
            #expect((try? JSONSerialization.jsonObject(with: after)) != nil, "trial \(trial): state.json is torn")

            try FileManager.default.removeItem(atPath: filler)
            let started = Date()
            let again = try cluster.clusterctl(["scale", cluster.name, String(count)], timeout: 300)
            let seconds = Date().timeIntervalSince(started)
            let registered = try cluster.registeredWorkers()
            let counts = cluster.serviceProcessCounts()
            let converged = clear && again.status == 0 && registered == count
            row.trial(converged: converged, duplicates: counts.values.contains { $0 > 1 }, seconds: seconds)
            #expect(again.status == 0 && registered == count, "trial \(trial): scale \(count) with room again:\n\(again.all)")
            #expect(!counts.values.contains { $0 > 1 }, "trial \(trial): a service runs twice: \(counts)")
        }
        try Chaos.record(row)
    }
}
