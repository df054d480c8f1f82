import Foundation
import Testing

/// A chaos scenario (`Chaos`): a worker host's sshd restarted while `up` runs, its sessions
/// (and what they were running) killed with it, as a restart of the host's SSH service or a
/// crash does. `up` either finishes (reconnecting) or fails naming that host; the rerun finishes.
struct ChaosSSHDRestartTests {
    @Test func sshdRestartedDuringUpIsNamedOrRidden() throws {
        let hosts = ["127.0.0.21", "127.0.0.22", "127.0.0.23"]
        let victim = hosts[2]
        let pool = try SSHHostPool(addresses: hosts)
        defer { pool.stop() }
        let cluster = try LocalClusterHarness(prefix: "chaos-sshd")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: hosts[0], workers: Array(hosts.dropFirst()), count: 2)
        let clean = Date()
        let first = try cluster.clusterctl(["up", file], timeout: 900)
        try #require(first.status == 0, "a clean up failed:\n\(first.all)")
        let duration = Date().timeIntervalSince(clean)
        var row = Chaos.Row("a worker host's sshd restarted, its sessions killed, at a random point of `up` (ssh, 3 hosts)",
                            note: "converged: `up` finished or failed naming the host, and `up` again finished")
        for trial in 0..<Chaos.trials {
            let down = try cluster.clusterctl(["down", cluster.name, "--yes"], timeout: 300)
            try #require(down.status == 0, "down before trial \(trial):\n\(down.all)")
            let output = cluster.directory.appendingPathComponent("up-\(trial).txt")
            FileManager.default.createFile(atPath: output.path, contents: nil)
            let up = Process()
            up.executableURL = URL(fileURLWithPath: LocalClusterHarness.binary)
            up.arguments = ["up", file]
            up.environment = ProcessInfo.processInfo.environment.merging(
                ["CLUSTERCTL_HOME": cluster.home.path, "CLUSTERCTL_TEMPLATES": LocalClusterHarness.templates]) { $1 }
            up.standardOutput = try FileHandle(forWritingTo: output)
            up.standardError = up.standardOutput
            try up.run()
            defer { if up.isRunning { kill(up.processIdentifier, SIGKILL) } }
            let delay = Double.random(in: 0...duration)
            _ = eventually(within: delay, every: 0.01) { !up.isRunning }
            let restarted = Date()
            pool.stop(victim)
            try pool.start(victim)
            let ended = eventually(within: 900, every: 0.1) { !up.isRunning }
            try #require(ended, "trial \(trial): up did not end")
            let said = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            let named = up.terminationStatus == 0 || said.contains(victim)
            #expect(named, "trial \(trial), sshd restarted after \(String(format: "%.2f", delay)) s: up failed without naming \(victim):\n\(said)")

            let again = try cluster.clusterctl(["up", file], timeout: 900)
            let seconds = Date().timeIntervalSince(restarted)
            let registered = try cluster.registeredWorkers()
            let counts = cluster.serviceProcessCounts()
            let duplicates = counts.values.contains { $0 > 1 }
            let converged = named && again.status == 0 && registered == 2
            row.trial(converged: converged, duplicates: duplicates, seconds: seconds)
            #expect(again.status == 0 && registered == 2, "trial \(trial): up after the restart:\n\(again.all)")
            #expect(!duplicates, "trial \(trial): a service runs twice: \(counts)")
        }
        let down = try cluster.clusterctl(["down", cluster.name, "--yes"], timeout: 300)
        #expect(down.status == 0, "down:\n\(down.all)")
        try Chaos.record(row)
    }
}
