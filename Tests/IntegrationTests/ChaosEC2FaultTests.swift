import Foundation
import Testing

/// A chaos scenario (`Chaos`) for the ec2 provider, apart from `ChaosTests` (whose scenarios
/// run one after another) so that it runs beside them in its own network namespace.
struct ChaosEC2FaultTests {
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
    }}
