import Foundation
import Testing

/// Proves that `Tests/Fixtures/systemd-host` gives a real systemd host: reachable over SSH,
/// with systemd as PID 1 supervising and journaling services as on a real server.
@Suite(
    "systemd test host",
    .enabled(if: SystemdTestHost.unavailableReason == nil, Comment(rawValue: SystemdTestHost.unavailableReason ?? ""))
)
struct SystemdHostTests {
    @Test("a booted node runs systemd, restarts a killed service and stops cleanly")
    func bootedNodeBehavesLikeARealServer() throws {
        let host = try SystemdTestHost.start()
        defer { host.stopOrKill() }
        #expect(SystemdTestHost.isRunning(pid: host.pid))

        let state = try host.ssh("systemctl is-system-running --wait", timeout: 120)
        #expect(["running", "degraded"].contains(trimmed(state.stdout)), "system state: \(state.stdout)\(state.stderr)")

        let python = try host.ssh("python3 -c 'import sys; print(*sys.version_info[:2])'")
        let version = trimmed(python.stdout).split(separator: " ").compactMap { Int($0) }
        #expect(python.status == 0 && version.count == 2, "python3: \(python.stdout)\(python.stderr)")
        #expect(version.lexicographicallyPrecedes([3, 10]) == false, "python3 is \(version), want 3.10 or newer")

        try expectKilledServiceRestarts(on: host)

        try host.stop()
        #expect(!SystemdTestHost.isRunning(pid: host.pid), "nspawn pid \(host.pid) still runs after stop")
    }

    /// Starts a transient `Restart=always` unit, SIGKILLs its process and waits for systemd to
    /// start a new one, then reads both starts back from the journal.
    private func expectKilledServiceRestarts(on host: SystemdTestHost) throws {
        let unit = "clusterctl-probe.service"
        let started = try host.ssh(
            "systemd-run --unit=\(unit) -p Restart=always -p RestartSec=200ms " +
                "/bin/sh -c 'echo probe-started; exec sleep infinity'"
        )
        try #require(started.status == 0, "systemd-run: \(started.stderr)")

        let firstPid = try pollUntil("\(unit) has a main process") {
            try mainPid(of: unit, on: host).flatMap { $0 > 0 ? $0 : nil }
        }
        let kill = try host.ssh("kill -KILL \(firstPid)")
        try #require(kill.status == 0, "kill: \(kill.stderr)")

        let secondPid = try pollUntil("systemd restarts \(unit) after SIGKILL") { () -> Int? in
            guard let pid = try mainPid(of: unit, on: host), pid > 0, pid != firstPid else { return nil }
            let active = try host.ssh("systemctl is-active \(unit)")
            return trimmed(active.stdout) == "active" ? pid : nil
        }
        #expect(secondPid != firstPid)

        let starts = try pollUntil("the journal shows both starts of \(unit)") { () -> Int? in
            let journal = try host.ssh("journalctl -u \(unit) --no-pager -o cat")
            let count = journal.stdout.split(separator: "\n").filter { $0 == "probe-started" }.count
            return count >= 2 ? count : nil
        }
        #expect(starts >= 2)
    }

    private func mainPid(of unit: String, on host: SystemdTestHost) throws -> Int? {
        Int(trimmed(try host.ssh("systemctl show -p MainPID --value \(unit)").stdout))
    }

    /// Evaluates `condition` until it gives a value or `timeout` seconds pass.
    private func pollUntil<T>(_ what: String, timeout: Double = 30, _ condition: () throws -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let value = try condition() { return value }
            guard Date() < deadline else {
                Issue.record("timed out after \(timeout) s waiting until \(what)")
                throw PollTimeout()
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    private struct PollTimeout: Error {}

    private func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
