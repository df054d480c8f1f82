import Foundation
import Testing

/// Bad input gets a clear error and the documented exit code, and leaves nothing a rerun
/// cannot repair.
@Suite(.serialized)
struct LocalClusterBadInputTests {
    @Test func missingFileAndBadSpecExitWithTwo() throws {
        let cluster = try LocalClusterHarness(prefix: "badspec")
        defer { cluster.tearDown() }
        let missing = try cluster.clusterctl(["up", cluster.directory.appendingPathComponent("nope.yaml").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.yaml"))

        let bad = cluster.directory.appendingPathComponent("bad.yaml")
        try "name: ok\nprovider:\n  kind: local\nworkers:\n  cuont: 2\n".write(to: bad, atomically: true, encoding: .utf8)
        let run = try cluster.clusterctl(["validate", bad.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("bad.yaml:5:3"), "stderr: \(run.stderr)")
        #expect(run.stderr.contains("count"))
        #expect(!run.stderr.contains("Fatal error"))
    }

    @Test func validatePrintsTheResolvedSpec() throws {
        let cluster = try LocalClusterHarness(prefix: "valid")
        defer { cluster.tearDown() }
        let run = try cluster.clusterctl(["validate", try cluster.writeClusterFile(workers: 2)])
        #expect(run.status == 0)
        for key in ["per_node:", "threads:", "memory_limit: 1GiB", "dashboard_port: 0", "tls:"] {
            #expect(run.stdout.contains(key), "missing \(key) in:\n\(run.stdout)")
        }
    }

    @Test func unknownClusterIsAClearError() throws {
        let cluster = try LocalClusterHarness(prefix: "unknown")
        defer { cluster.tearDown() }
        for command in [["scale", "no-such", "2"], ["down", "no-such", "--yes"], ["logs", "no-such"], ["status", "no-such"]] {
            let run = try cluster.clusterctl(command)
            #expect(run.status == 1, "\(command): \(run.all)")
            #expect(run.stderr.contains("no cluster named no-such"), "\(command): \(run.stderr)")
        }
        // Asking about a cluster that does not exist creates nothing.
        #expect(!FileManager.default.fileExists(atPath: cluster.home.appendingPathComponent("no-such").path))
    }

    @Test func schedulerPortInUseIsNamed() throws {
        let cluster = try LocalClusterHarness(prefix: "port")
        defer { cluster.tearDown() }
        let listener = try TCPListener()
        defer { listener.close() }
        let file = try cluster.writeClusterFile(workers: 1, extra: "")
        var text = try String(contentsOfFile: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "  port: 0\n", with: "  port: \(listener.port)\n")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let run = try cluster.clusterctl(["up", file])
        #expect(run.status == 1)
        #expect(run.stderr.contains("port \(listener.port)"), "stderr: \(run.stderr)")
        #expect(run.stderr.contains("already in use"))
        #expect(cluster.markedProcesses().isEmpty)

        // Once the port is free, a rerun finishes the job.
        listener.close()
        let rerun = try cluster.clusterctl(["up", file])
        #expect(rerun.status == 0, "rerun: \(rerun.all)")
        #expect(try cluster.registeredWorkers() == 1)
    }

    /// A scheduler that dies while `up` waits for it, and that nothing brings back (its
    /// supervisor's watcher is killed first), is reported at once with its log, not after the
    /// whole timeout.
    @Test func schedulerThatExitsDuringTheWaitIsReportedAtOnce() throws {
        let cluster = try LocalClusterHarness(prefix: "exit")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 1)
        final class Box: @unchecked Sendable { var run: Result<CapturedRun, Error>? }
        let box = Box()
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            box.run = Result { try cluster.clusterctl(["up", file, "--timeout", "600"], timeout: 900) }
            finished.signal()
        }
        // SIGKILL the scheduler's watcher and the scheduler as soon as the scheduler exists.
        let marker = Data("CLUSTERCTL_SERVICE=\(cluster.name)/scheduler".utf8)
        let watcherMarker = Data("CLUSTERCTL_SUPERVISOR=\(cluster.name)/scheduler".utf8)
        func carries(_ pid: Int32, _ mark: Data) -> Bool {
            FileManager.default.contents(atPath: "/proc/\(pid)/environ")?.split(separator: 0).contains { Data($0) == mark } == true
        }
        let killed = eventually(within: 300, every: 0.02) { () -> Bool in
            guard let scheduler = cluster.markedProcesses().first(where: { carries($0, marker) }) else { return false }
            let watchers = cluster.watcherProcesses().filter { carries($0, watcherMarker) }
            return !watchers.isEmpty && watchers.allSatisfy { kill($0, SIGKILL) == 0 } && kill(scheduler, SIGKILL) == 0
        }
        try #require(killed, "the scheduler never started")
        #expect(finished.wait(timeout: .now() + 300) == .success, "up went on waiting for a dead scheduler")
        let run = try #require(try box.run?.get())
        #expect(run.status == 1)
        #expect(run.stderr.contains("the scheduler on localhost exited while clusterctl waited for the workers"), "up:\n\(run.all)")
        #expect(!run.stderr.contains("workers registered within"), "it waited for the deadline:\n\(run.all)")
    }

    /// An `up` killed after starting services but before recording them leaves processes the
    /// state does not know (holding the fixed ports, or tied to a scheduler about to go). The
    /// next `up` replaces them and never runs a service twice.
    @Test(arguments: [false, true])
    func servicesAnInterruptedRunNeverRecordedAreReplaced(fixedPorts: Bool) throws {
        let cluster = try LocalClusterHarness(prefix: fixedPorts ? "orphanf" : "orphan")
        defer { cluster.tearDown() }
        var file = try cluster.writeClusterFile(workers: 2)
        if fixedPorts {
            let ports = try (0..<2).map { _ in try TCPListener() }
            var text = try String(contentsOfFile: file, encoding: .utf8)
            text = text.replacingOccurrences(of: "  port: 0\n", with: "  port: \(ports[0].port)\n")
                .replacingOccurrences(of: "  dashboard_port: 0\n", with: "  dashboard_port: \(ports[1].port)\n")
            ports.forEach { $0.close() }
            file = cluster.directory.appendingPathComponent("fixed.yaml").path
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        }
        let first = try cluster.clusterctl(["up", file])
        try #require(first.status == 0, "up:\n\(first.all)")
        // Forget the services, as if the run that started them had been killed first.
        let stateFile = cluster.home.appendingPathComponent("\(cluster.name)/state.json")
        var state = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: stateFile)) as? [String: Any])
        state["services"] = []
        try JSONSerialization.data(withJSONObject: state).write(to: stateFile)

        let again = try cluster.clusterctl(["up", file], timeout: 300)
        #expect(again.status == 0, "up over unrecorded services:\n\(again.all)")
        #expect(try cluster.registeredWorkers() == 2)
        let counts = cluster.serviceProcessCounts()
        #expect(counts.count == 2 && counts.values.allSatisfy { $0 == 1 }, "services and their processes: \(counts)")
        let down = try cluster.clusterctl(["down", cluster.name, "--yes"])
        #expect(down.status == 0)
        #expect(cluster.markedProcesses().isEmpty, "left running: \(cluster.markedProcesses())")
    }

    @Test func missingOrOldInterpreterIsExplained() throws {
        let cluster = try LocalClusterHarness(prefix: "python")
        defer { cluster.tearDown() }
        let missing = try cluster.clusterctl(["up", try cluster.writeClusterFile(workers: 1, python: "python3-nonexistent")])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("python3-nonexistent"), "stderr: \(missing.stderr)")
        #expect(missing.stderr.contains("not found"))

        // An interpreter that reports Python 3.8.
        let old = cluster.directory.appendingPathComponent("python38")
        try """
        #!/bin/sh
        case "$1" in -V|--version) echo "Python 3.8.18";; -c) exit 1;; esac
        """.write(to: old, atomically: true, encoding: .utf8)
        chmod(old.path, 0o755)
        let tooOld = try cluster.clusterctl(["up", try cluster.writeClusterFile(workers: 1, python: old.path)])
        #expect(tooOld.status == 1)
        #expect(tooOld.stderr.contains("3.10 or newer"), "stderr: \(tooOld.stderr)")
        #expect(tooOld.stderr.contains("Python 3.8.18"))
        #expect(cluster.markedProcesses().isEmpty)
    }

    @Test func packageThatDoesNotExistShowsTheInstaller() throws {
        let cluster = try LocalClusterHarness(prefix: "pkg")
        defer { cluster.tearDown() }
        let cache = cluster.directory.appendingPathComponent("cache")
        let file = try cluster.writeClusterFile(workers: 1, packages: ["clusterctl-no-such-package-zz9"])
        let run = try CapturedRun.of(LocalClusterHarness.binary, ["up", file], environment: [
            "CLUSTERCTL_HOME": cluster.home.path, "CLUSTERCTL_CACHE": cache.path,
            "CLUSTERCTL_TEMPLATES": LocalClusterHarness.templates,
        ], timeout: 300)
        #expect(run.status == 1)
        #expect(run.stderr.contains("packages"), "stderr: \(run.stderr)")
        #expect(run.stderr.contains("clusterctl-no-such-package-zz9"))
        // No environment is left that a later run would trust.
        let envs = (try? FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent("envs").path)) ?? []
        for entry in envs where !entry.hasSuffix(".lock") {
            #expect(!FileManager.default.fileExists(atPath: cache.appendingPathComponent("envs/\(entry)/.clusterctl-ready").path))
        }
        #expect(cluster.markedProcesses().isEmpty)
    }

    @Test func clusterThatDoesNotComeUpInTimeShowsWhichProcessAndItsLog() throws {
        let cluster = try LocalClusterHarness(prefix: "slow")
        defer { cluster.tearDown() }
        let run = try cluster.clusterctl(["up", try cluster.writeClusterFile(workers: 2), "--timeout", "0.05"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("of 2 workers registered within"), "stderr: \(run.stderr)")
        #expect(run.stderr.contains("\(cluster.name)-w0 on localhost"))
        #expect(run.stderr.contains("last lines of its log"))
        #expect(run.stderr.contains("clusterctl up"), "says what to do next: \(run.stderr)")
        // What did start is recorded, so `up` finishes the job and `down` stops it.
        let rerun = try cluster.clusterctl(["up", try cluster.writeClusterFile(workers: 2)])
        #expect(rerun.status == 0, "rerun: \(rerun.all)")
        #expect(try cluster.registeredWorkers() == 2)
    }

    @Test func sameNameFromAnotherFileIsRefused() throws {
        let cluster = try LocalClusterHarness(prefix: "twin")
        defer { cluster.tearDown() }
        let first = try cluster.writeClusterFile(workers: 1)
        try #require(try cluster.clusterctl(["up", first]).status == 0)
        let second = try cluster.writeClusterFile(workers: 1, fileName: "other.yaml")
        let run = try cluster.clusterctl(["up", second])
        #expect(run.status == 1)
        #expect(run.stderr.contains("already runs from \(first)"), "stderr: \(run.stderr)")
        #expect(try cluster.registeredWorkers() == 1)
    }
}

/// A TCP listener on 127.0.0.1 with a kernel-chosen port, to occupy a port.
final class TCPListener {
    private var fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else {
            Glibc.close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}
