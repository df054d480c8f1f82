import Foundation
import Testing

/// `environment.match_client` on the loopback sshd hosts: the cluster's environment is pinned
/// to this machine's Python and its Dask packages, the client connects from that very
/// interpreter, and a node whose environment was changed by hand fails `up` with a table.
@Suite(.serialized)
struct MatchClientTests {
    @Test func clusterRunsTheClientsVersionsAndAChangedNodeFailsUp() throws {
        let client = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
        let versions = try CapturedRun.of(client, ["-c", """
            import sys
            from importlib import metadata
            print("%d.%d" % sys.version_info[:2], metadata.version("toolz"), metadata.version("cloudpickle"))
            """])
        let local = versions.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        try #require(versions.status == 0 && local.count == 3, "\(versions.all)")

        let hosts = ["127.0.0.2", "127.0.0.3"]
        let pool = try SSHHostPool(addresses: hosts)
        defer { pool.stop() }
        let cluster = try LocalClusterHarness(prefix: "lockstep")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: hosts[0], workers: [hosts[1]], count: 1)
        try (String(contentsOfFile: file, encoding: .utf8) + "\nenvironment:\n  base: minimal\n  match_client: \(client)\n")
            .write(toFile: file, atomically: true, encoding: .utf8)

        let plan = try cluster.clusterctl(["plan", file])
        #expect(plan.status == 0, "plan:\n\(plan.all)")
        let up = try cluster.clusterctl(["up", file], timeout: 600)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        #expect(up.all.contains("versions"), "up says it checked the versions:\n\(up.all)")

        // The snippet, pasted into the client interpreter itself, computes; the nodes' Python
        // and packages are the client's (as Dask's own version check sees them).
        let snippet = TLSClusterTests.pythonSnippet(in: up.stdout)
        let pasted = try CapturedRun.of(client, ["-c", snippet + "\n" + TLSClusterTests.example + """

            import json
            print("VERSIONS", json.dumps(client.get_versions(check=True)["workers"]))
            """], timeout: 120)
        #expect(pasted.stdout.contains("RESULT -285"), "pasted snippet:\n\(pasted.all)")
        let workerLine = pasted.stdout.split(separator: "\n").first { $0.hasPrefix("VERSIONS ") } ?? ""
        #expect(workerLine.contains("\"toolz\": \"\(local[1])\"") && workerLine.contains("\"cloudpickle\": \"\(local[2])\""),
                "worker versions: \(workerLine)")
        for host in hosts {
            let node = pool.directory.appendingPathComponent("nodes/\(host)/env/bin/python").path
            let minor = try CapturedRun.of(node, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
            #expect(minor.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == local[0], "\(host): \(minor.all)")
        }

        // The worker host's environment changed by hand: the next up names it in a table.
        let other = local[1] == "0.12.1" ? "0.12.0" : "0.12.1"
        let workerEnvironment = pool.directory.appendingPathComponent("nodes/\(hosts[1])/env").path
        let change = try CapturedRun.of("uv", ["pip", "install", "--quiet", "--python", workerEnvironment + "/bin/python",
                                               "toolz==\(other)"], timeout: 300)
        try #require(change.status == 0, "\(change.all)")
        let again = try cluster.clusterctl(["up", file], timeout: 600)
        #expect(again.status != 0, "up with a changed node should fail:\n\(again.all)")
        let table = again.stderr.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(table.contains("node package client node version"), "\(again.all)")
        #expect(table.contains("\(hosts[1]) toolz \(local[1]) \(other)"), "\(again.all)")
        #expect(!table.contains { $0.hasPrefix(hosts[0] + " ") }, "the scheduler's node is not in the table:\n\(again.all)")
        #expect(again.stderr.contains(workerEnvironment), "the table names the environment:\n\(again.all)")
        #expect(again.stderr.contains("match_client") && again.stderr.contains("clusterctl down"), "\(again.all)")

        // What the message says to do repairs it.
        let remove = try cluster.clusterctl(["exec", cluster.name, "--node", hosts[1], "--", "rm", "-rf", workerEnvironment])
        #expect(remove.status == 0, "\(remove.all)")
        let down = try cluster.clusterctl(["down", cluster.name, "--yes"])
        #expect(down.status == 0, "\(down.all)")
        let repaired = try cluster.clusterctl(["up", file], timeout: 600)
        #expect(repaired.status == 0, "up after removing the changed environment:\n\(repaired.all)")
    }
}
