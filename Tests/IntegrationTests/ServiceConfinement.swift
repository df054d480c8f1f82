import Foundation
import Testing

/// What the Dask services of a cluster may write on their node, asked from inside the running
/// services themselves through a real Dask client: `Client.run` on every worker and
/// `run_on_scheduler` try to create files outside their directories and in the workers' work
/// directory, and the workers spill the data they hold to disk (and read it back).
enum ServiceConfinement {
    /// Paths every service must fail to write (relative paths are under the node's install dir).
    static let forbidden = ["/etc/clusterctl-probe", "/root/clusterctl-probe", "/opt/clusterctl-probe",
                            "/usr/clusterctl-probe", "env/clusterctl-probe", "env/bin/clusterctl-probe",
                            "run/clusterctl-probe", "clusterctl-probe"]

    /// Prints `PROBE {json}`: per worker and for the scheduler the user and the outcome of each
    /// write (`written` or the errno name), and per worker what spilling did.
    static let script = """
    import errno, json, os, pwd
    from distributed import Client

    probe = json.loads(os.environ["PROBE"])

    def attempt(path):
        try:
            with open(path, "x") as f:
                f.write("clusterctl")
            os.unlink(path)
            return "written"
        except OSError as error:
            return errno.errorcode.get(error.errno, str(error.errno))

    def inspect(install, paths):
        # (a name of each process's own: several workers share a node)
        full = [(p if p.startswith("/") else os.path.join(install, p)) + f".{os.getpid()}" for p in paths]
        return {"user": pwd.getpwuid(os.geteuid()).pw_name,
                "writes": {p: attempt(f) for p, f in zip(paths, full)}}

    def spill(dask_worker):
        data = dask_worker.data
        held = len(data.fast)
        evicted = [data.evict() for _ in range(held)]
        files = sum(len(names) for _, _, names in os.walk(dask_worker.local_directory))
        return {"held": held, "evicted": evicted, "on_disk": len(data.slow), "files": files,
                "directory": dask_worker.local_directory}

    with Client(os.environ["ADDRESS"], timeout=30) as client:
        held = client.map(lambda i: bytes(500_000) + bytes([i]), range(8), pure=False)
        before = sum(len(b) for b in client.gather(held))
        report = {
            "workers": client.run(inspect, probe["worker_install"], probe["paths"] + ["work/clusterctl-probe"]),
            "scheduler": client.run_on_scheduler(inspect, probe["scheduler_install"], probe["paths"] + ["work/clusterctl-probe"]),
            "spill": client.run(spill),
        }
        report["read_back"] = sum(len(b) for b in client.gather(held)) == before
        print("PROBE " + json.dumps(report))
    """

    /// Runs the probe with `python` (a Dask client) against the cluster `environment` names
    /// (`ADDRESS` and its TLS settings) and returns the decoded report, or nil with the run.
    static func probe(python: String, environment: [String: String], workerInstall: String,
                      schedulerInstall: String) throws -> (report: [String: Any]?, run: CapturedRun) {
        let spec: [String: Any] = ["worker_install": workerInstall, "scheduler_install": schedulerInstall, "paths": forbidden]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        let run = try CapturedRun.of(python, ["-c", script], environment: environment.merging(["PROBE": json]) { $1 }, timeout: 180)
        guard let line = run.stdout.split(separator: "\n").last(where: { $0.hasPrefix("PROBE ") }) else { return (nil, run) }
        let report = try JSONSerialization.jsonObject(with: Data(line.dropFirst("PROBE ".count).utf8)) as? [String: Any]
        return (report, run)
    }

    /// Expects every service of `report` to run as `user`, to fail every forbidden write with
    /// EACCES, EROFS or EPERM, the workers to write their work directory and spill into it
    /// (and read the spilled data back); the scheduler may write the work directory only when
    /// `schedulerMayWriteWork` (same user, no sandbox).
    static func expectConfined(_ report: [String: Any], user: String, workDirectory: String, schedulerMayWriteWork: Bool,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        let denied: Set<String> = ["EACCES", "EROFS", "EPERM"]
        let workers = report["workers"] as? [String: [String: Any]] ?? [:]
        #expect(!workers.isEmpty, "no worker answered: \(report)", sourceLocation: sourceLocation)
        var services = workers.map { ("worker \($0.key)", $0.value) }
        if let scheduler = report["scheduler"] as? [String: Any] { services.append(("scheduler", scheduler)) } else {
            Issue.record("the scheduler did not answer: \(report)", sourceLocation: sourceLocation)
        }
        for (name, answer) in services {
            #expect(answer["user"] as? String == user, "\(name) runs as \(answer["user"] ?? "?")", sourceLocation: sourceLocation)
            let writes = answer["writes"] as? [String: String] ?? [:]
            for path in forbidden {
                #expect(denied.contains(writes[path] ?? "missing"), "\(name) wrote \(path): \(writes[path] ?? "no answer")",
                        sourceLocation: sourceLocation)
            }
            let work = writes["work/clusterctl-probe"] ?? "no answer"
            if name == "scheduler" && !schedulerMayWriteWork {
                #expect(denied.contains(work), "the scheduler wrote the work directory: \(work)", sourceLocation: sourceLocation)
            } else if name != "scheduler" {
                #expect(work == "written", "\(name) could not write its work directory: \(work)", sourceLocation: sourceLocation)
            }
        }
        let spills = report["spill"] as? [String: [String: Any]] ?? [:]
        #expect(spills.values.reduce(0) { $0 + ($1["held"] as? Int ?? 0) } > 0, "no worker held data: \(spills)",
                sourceLocation: sourceLocation)
        for (worker, spill) in spills {
            let evicted = spill["evicted"] as? [Int] ?? []
            #expect(evicted.allSatisfy { $0 > 0 }, "\(worker) could not spill: \(spill)", sourceLocation: sourceLocation)
            #expect(spill["on_disk"] as? Int == spill["held"] as? Int, "\(worker): \(spill)", sourceLocation: sourceLocation)
            #expect((spill["directory"] as? String ?? "").hasPrefix(workDirectory + "/"),
                    "\(worker) keeps its files outside \(workDirectory): \(spill)", sourceLocation: sourceLocation)
            #expect((spill["files"] as? Int ?? 0) >= (spill["on_disk"] as? Int ?? 1), "\(worker): \(spill)",
                    sourceLocation: sourceLocation)
        }
        #expect(report["read_back"] as? Bool == true, "the spilled data did not come back whole", sourceLocation: sourceLocation)
    }

    /// `ps -eo user:32=,args=` lines of the processes running from an environment under
    /// `installRoot`, as (user, command line).
    static func daskProcesses(psOutput: String, installRoot: String) -> [(user: String, args: String)] {
        psOutput.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            // clusterctl's supervisor (supervise.py) runs as root by design, on the environment's
            // interpreter too; the Dask processes are what must run as the service user.
            guard fields.count == 2, fields[1].contains(installRoot), fields[1].contains("/env/bin/"),
                  !fields[1].contains("supervise.py") else { return nil }
            return (String(fields[0]), String(fields[1]))
        }
    }
}
