import Foundation
import Testing

/// The ec2 provider end to end, with no cloud: the built binary against a real moto EC2
/// endpoint (signatures checked) inside a private network namespace where every address is
/// this machine, so the SSH connections go to exactly the addresses EC2 reported and reach a
/// real sshd. A real Python Dask client proves the cluster.
@Suite(.serialized)
struct EC2ClusterTests {
    /// The cluster file of these tests: root logins (the sandbox's sshd), every "instance" kept
    /// apart by its own install directory, only a documentation range allowed in.
    static func clusterFile(_ cluster: LocalClusterHarness, workers: Int, extra: String = "") throws -> String {
        let text = """
        name: \(cluster.name)
        provider:
          kind: ec2
          region: us-east-1
          ami: ubuntu-24.04
          scheduler_instance_type: t3.small
          worker_instance_type: t3.medium
          ssh_user: root
          allowed_cidrs: [198.51.100.0/24]
          install_dir: \(cluster.directory.path)/nodes/{host}
          ssh_timeout: 60s
          tags:
            team: tests
        \(extra)
        scheduler:
          port: 8786
          dashboard_port: 8787
        workers:
          count: \(workers)
          threads: 1
          memory_limit: 1GiB
        """
        let url = cluster.directory.appendingPathComponent("ec2.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A sandbox whose moto knows the Ubuntu images of `Tests/AWSKitTests/Fixtures/amis.json`,
    /// so `ami: ubuntu-24.04` resolves as it would on AWS.
    static func sandbox() throws -> EC2Sandbox {
        let amis = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("AWSKitTests/Fixtures/amis.json").path
        return try EC2Sandbox(motoEnvironment: ["MOTO_AMIS_PATH": amis])
    }

    /// `clusterctl ARGS` inside the sandbox with the harness's home.
    static func clusterctl(_ sandbox: EC2Sandbox, _ cluster: LocalClusterHarness, _ arguments: [String],
                           timeout: Double = 600) throws -> CapturedRun {
        try sandbox.run(LocalClusterHarness.binary, arguments,
                        environment: ["CLUSTERCTL_HOME": cluster.home.path, "CLUSTERCTL_TEMPLATES": LocalClusterHarness.templates],
                        timeout: timeout)
    }

    /// What moto holds for the cluster: instances (not terminated) by reservation, rules, tags.
    static func inventory(_ sandbox: EC2Sandbox, _ name: String) throws -> [String: Any] {
        let script = """
        res = ec2.describe_instances(Filters=[{"Name": "tag:clusterctl:cluster", "Values": ["\(name)"]},
            {"Name": "instance-state-name", "Values": ["pending", "running"]}])["Reservations"]
        instances = [dict(id=i["InstanceId"], type=i["InstanceType"], tags={t["Key"]: t["Value"] for t in i.get("Tags", [])},
                          public=i.get("PublicIpAddress"), reservation=r["ReservationId"],
                          zone=i["Placement"]["AvailabilityZone"]) for r in res for i in r["Instances"]]
        groups = ec2.describe_security_groups(Filters=[{"Name": "tag:clusterctl:cluster", "Values": ["\(name)"]}])["SecurityGroups"]
        keys = [k["KeyName"] for k in ec2.describe_key_pairs()["KeyPairs"] if k["KeyName"] == "clusterctl-\(name)"]
        print(json.dumps(dict(instances=instances, reservations=len({i["reservation"] for i in instances}),
              groups=[dict(id=g["GroupId"], rules=g["IpPermissions"]) for g in groups], keys=keys)))
        """
        return try JSONSerialization.jsonObject(with: Data(try sandbox.python(script).utf8)) as? [String: Any] ?? [:]
    }

    static func instances(_ inventory: [String: Any]) -> [[String: Any]] {
        inventory["instances"] as? [[String: Any]] ?? []
    }

    static func roles(_ inventory: [String: Any]) -> [String] {
        instances(inventory).compactMap { ($0["tags"] as? [String: String])?["clusterctl:role"] }.sorted()
    }

    /// The -285 example, computed by a real client in the scheduler node's own environment;
    /// `reference` names the cluster for `status` (a cluster file, for state kept elsewhere).
    static func compute(_ sandbox: EC2Sandbox, _ cluster: LocalClusterHarness, reference: String? = nil) throws -> CapturedRun {
        let status = try json(try clusterctl(sandbox, cluster, ["status", reference ?? cluster.name, "--output", "json"]).stdout)
        let python = (status["environment"] as? String ?? "") + "/bin/python"
        return try sandbox.run(python, ["-c", LocalClusterLifecycleTests.computeScript],
                               environment: LocalClusterHarness.clientEnvironment(status: status), timeout: 120)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    /// An `up` killed once its launch is recorded, and one whose launch went out but whose
    /// instance ids never reached the state: a rerun ends with exactly the instances asked for.
    @Test func interruptedUpsConvergeWithoutDuplicates() throws {
        let sandbox = try Self.sandbox()
        defer { sandbox.stop() }
        let cluster = try LocalClusterHarness(prefix: "ec2kill")
        defer {
            cluster.killAll()
            try? FileManager.default.removeItem(at: cluster.directory)
        }
        try EC2Sandbox.warmUVCache()
        let file = try Self.clusterFile(cluster, workers: 2)
        let stateFile = cluster.home.appendingPathComponent("\(cluster.name)/state.json")

        // SIGKILL as soon as the launch is recorded in the state (before or after RunInstances).
        let up = try sandbox.start(LocalClusterHarness.binary, ["up", file, "--yes"],
                                   environment: ["CLUSTERCTL_HOME": cluster.home.path,
                                                 "CLUSTERCTL_TEMPLATES": LocalClusterHarness.templates])
        let recorded = eventually(within: 60, every: 0.005) {
            (try? String(contentsOf: stateFile, encoding: .utf8))?.contains("\"requested\"") == true
        }
        kill(up.processIdentifier, SIGKILL)
        up.waitUntilExit()
        #expect(recorded)
        let rerun = try Self.clusterctl(sandbox, cluster, ["up", file, "--yes"])
        try #require(rerun.status == 0, "rerun:\n\(rerun.all)")
        var inventory = try Self.inventory(sandbox, cluster.name)
        #expect(Self.roles(inventory) == ["scheduler", "worker", "worker"])

        // A launch that went out but whose instance ids never reached the state (killed in
        // between): the rerun finds the instances by their launch token instead of launching again.
        let down = try Self.clusterctl(sandbox, cluster, ["down", cluster.name, "--yes"])
        try #require(down.status == 0, "down:\n\(down.all)")
        cluster.killAll()
        let launched = try Self.clusterctl(sandbox, cluster, ["up", file, "--yes", "--until", "launched"])
        try #require(launched.status == 0, "up --until launched:\n\(launched.all)")
        let before = try Self.inventory(sandbox, cluster.name)
        var state = try Self.json(try String(contentsOf: stateFile, encoding: .utf8))
        state["nodes"] = (state["nodes"] as? [[String: Any]] ?? []).map { node in
            node.filter { !["instanceId", "publicAddress", "privateAddress", "instanceType"].contains($0.key) }
        }
        try JSONSerialization.data(withJSONObject: state).write(to: stateFile)
        let resumed = try Self.clusterctl(sandbox, cluster, ["up", file, "--yes"])
        try #require(resumed.status == 0, "resumed up:\n\(resumed.all)")
        inventory = try Self.inventory(sandbox, cluster.name)
        #expect(Self.roles(inventory) == ["scheduler", "worker", "worker"])
        #expect(Set(Self.instances(inventory).compactMap { $0["id"] as? String })
                == Set(Self.instances(before).compactMap { $0["id"] as? String }), "the launched instances were adopted")
        #expect(try Self.compute(sandbox, cluster).stdout.contains("RESULT -285"))
        let last = try Self.clusterctl(sandbox, cluster, ["down", cluster.name, "--yes"])
        #expect(last.status == 0, "down:\n\(last.all)")
        #expect(Self.instances(try Self.inventory(sandbox, cluster.name)).isEmpty)
    }

    /// Instances that never accept the login, and AWS settings that are missing: clear errors,
    /// nothing orphaned.
    @Test func unreachableInstancesAndMissingSettingsAreExplained() throws {
        let sandbox = try Self.sandbox()
        defer { sandbox.stop() }
        let cluster = try LocalClusterHarness(prefix: "ec2bad")
        defer {
            cluster.killAll()
            try? FileManager.default.removeItem(at: cluster.directory)
        }
        var file = try Self.clusterFile(cluster, workers: 1)
        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "ssh_user: root", with: "ssh_user: no-such-user")
            .replacingOccurrences(of: "ssh_timeout: 60s", with: "ssh_timeout: 5s").write(toFile: file, atomically: true, encoding: .utf8)
        let up = try Self.clusterctl(sandbox, cluster, ["up", file, "--yes"])
        #expect(up.status == 1)
        #expect(up.stderr.contains("did not answer SSH as no-such-user within 5 s"), "up:\n\(up.stderr)")
        #expect(up.stderr.range(of: "\\(i-[0-9a-f]+, ", options: .regularExpression) != nil, "names the instance:\n\(up.stderr)")
        #expect(up.stderr.contains("last lines of its console output"), "shows the console:\n\(up.stderr)")
        #expect(Self.roles(try Self.inventory(sandbox, cluster.name)) == ["scheduler", "worker"], "left for down")
        let down = try Self.clusterctl(sandbox, cluster, ["down", cluster.name, "--yes"])
        #expect(down.status == 0, "down:\n\(down.all)")
        #expect(Self.instances(try Self.inventory(sandbox, cluster.name)).isEmpty)

        // No credentials, no region, an image that does not exist: said before anything is made.
        file = try Self.clusterFile(cluster, workers: 1)
        let noKeys = try sandbox.run(LocalClusterHarness.binary, ["up", file, "--yes"],
                                     environment: ["CLUSTERCTL_HOME": cluster.home.path, "AWS_ACCESS_KEY_ID": "",
                                                   "AWS_SECRET_ACCESS_KEY": ""], timeout: 120)
        #expect(noKeys.status == 1)
        #expect(noKeys.stderr.contains("no AWS credentials found"), "no keys:\n\(noKeys.all)")
        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "  region: us-east-1\n", with: "")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let noRegion = try sandbox.run(LocalClusterHarness.binary, ["up", file, "--yes"],
                                       environment: ["CLUSTERCTL_HOME": cluster.home.path, "AWS_REGION": "",
                                                     "AWS_DEFAULT_REGION": ""], timeout: 120)
        #expect(noRegion.status == 1)
        #expect(noRegion.stderr.contains("no AWS region set") && noRegion.stderr.contains("provider.region"), "no region:\n\(noRegion.all)")
        file = try Self.clusterFile(cluster, workers: 1)
        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "ami: ubuntu-24.04", with: "ami: ami-0123456789abcdef0")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let noImage = try Self.clusterctl(sandbox, cluster, ["up", file, "--yes"])
        #expect(noImage.status == 1)
        #expect(noImage.stderr.contains("ami-0123456789abcdef0 (provider.ami) does not exist in us-east-1"), "no image:\n\(noImage.all)")
        let left = try Self.inventory(sandbox, cluster.name)
        #expect(Self.instances(left).isEmpty && (left["groups"] as? [Any] ?? []).isEmpty)

        // A zone without capacity (every attempt of both launches refused): the launches move
        // to the next zone. An account limit: named, with what to do.
        file = try Self.clusterFile(cluster, workers: 1)
        try sandbox.fail("RunInstances", code: "InsufficientInstanceCapacity", message: "no t3 capacity", count: 6)
        let moved = try Self.clusterctl(sandbox, cluster, ["up", file, "--yes", "--until", "running"])
        #expect(moved.status == 0, "up with a full zone:\n\(moved.all)")
        let zones = Self.instances(try Self.inventory(sandbox, cluster.name)).compactMap { $0["zone"] as? String }
        // Both launches run at once and share the six refusals, so at least one of them has
        // every attempt in us-east-1a refused.
        #expect(zones.count == 2 && zones.contains("us-east-1b"), "zones: \(zones)")
        #expect(try sandbox.pendingFaults("RunInstances") == 0)
        try sandbox.fail("RunInstances", code: "InstanceLimitExceeded", message: "You have requested more instances than your current instance limit", status: 400)
        let limited = try Self.clusterctl(sandbox, cluster, ["scale", cluster.name, "2", "--yes"])
        #expect(limited.status == 1)
        #expect(limited.stderr.contains("InstanceLimitExceeded") && limited.stderr.contains("Service Quotas"), "limit:\n\(limited.all)")
        #expect(Self.instances(try Self.inventory(sandbox, cluster.name)).count == 2)
        let cleanup = try Self.clusterctl(sandbox, cluster, ["down", file, "--yes"])
        #expect(cleanup.status == 0, "down:\n\(cleanup.all)")
        #expect(Self.instances(try Self.inventory(sandbox, cluster.name)).isEmpty)
    }

    /// Calls EC2 carried out whose replies were lost (the connection reset once moto had
    /// answered): each is retried, and a retry that finds its own work done (a security group
    /// or key pair that exists, a group already deleted) takes it as done, so `up` and `down`
    /// finish. RunInstances is left out: moto launches again on a retry where EC2 would
    /// recognise the client token.
    @Test func lostRepliesAreTakenAsDone() throws {
        let sandbox = try Self.sandbox()
        defer { sandbox.stop() }
        let lose = ["CreateSecurityGroup", "ImportKeyPair", "TerminateInstances", "DeleteSecurityGroup", "DeleteKeyPair"]
        let proxy = try EC2FaultProxy(in: sandbox, every: 0, slowSeconds: 0, lose: lose)
        defer { proxy.stop() }
        let cluster = try LocalClusterHarness(prefix: "ec2lost")
        defer {
            cluster.killAll()
            try? FileManager.default.removeItem(at: cluster.directory)
        }
        let file = try Self.clusterFile(cluster, workers: 1)
        let throughProxy = ["CLUSTERCTL_HOME": cluster.home.path, "CLUSTERCTL_TEMPLATES": LocalClusterHarness.templates,
                            "AWS_ENDPOINT_URL": proxy.endpoint]
        let up = try sandbox.clusterctl(["up", file, "--yes", "--until", "launched"], environment: throughProxy)
        #expect(up.status == 0, "up:\n\(up.all)\n\(proxy.log)")
        let inventory = try Self.inventory(sandbox, cluster.name)
        #expect(Self.roles(inventory) == ["scheduler", "worker"])
        #expect((inventory["groups"] as? [Any] ?? []).count == 1)
        #expect(inventory["keys"] as? [String] == ["clusterctl-\(cluster.name)"])
        let down = try sandbox.clusterctl(["down", cluster.name, "--yes"], environment: throughProxy)
        #expect(down.status == 0, "down:\n\(down.all)\n\(proxy.log)")
        let left = try Self.inventory(sandbox, cluster.name)
        #expect(Self.instances(left).isEmpty && (left["groups"] as? [Any] ?? []).isEmpty && (left["keys"] as? [Any] ?? []).isEmpty,
                "left in moto: \(left)")
        let counts = try proxy.injected()
        #expect(counts.lost == lose.count && counts.retried == lose.count, "\(counts)\n\(proxy.log)")
    }

    @Test func upComputeRerunScaleDownWithoutStateGC() throws {
        let sandbox = try Self.sandbox()
        defer { sandbox.stop() }
        let cluster = try LocalClusterHarness(prefix: "ec2")
        defer {
            // Terminating an instance in moto stops nothing on this machine: do what EC2 would.
            cluster.killAll()
            try? FileManager.default.removeItem(at: cluster.directory)
        }
        try EC2Sandbox.warmUVCache()
        let file = try Self.clusterFile(cluster, workers: 3)

        // No terminal and no --yes: refused before anything billable exists.
        let refused = try Self.clusterctl(sandbox, cluster, ["up", file])
        #expect(refused.status == 2, "up without --yes:\n\(refused.all)")
        #expect(refused.stderr.contains("--yes"))
        #expect(Self.instances(try Self.inventory(sandbox, cluster.name)).isEmpty)

        let up = try Self.clusterctl(sandbox, cluster, ["up", file, "--yes"])
        try #require(up.status == 0, "up failed:\n\(up.all)")
        #expect(up.stderr.contains("Estimated cost"), "the plan shows the cost:\n\(up.stderr)")
        var inventory = try Self.inventory(sandbox, cluster.name)
        #expect(Self.roles(inventory) == ["scheduler", "worker", "worker", "worker"])
        #expect(inventory["reservations"] as? Int == 2, "one RunInstances call per role")
        let types = Self.instances(inventory).map { ($0["tags"] as? [String: String])?["clusterctl:role"] == "scheduler" ? "s:\($0["type"]!)" : "w:\($0["type"]!)" }
        #expect(Set(types) == ["s:t3.small", "w:t3.medium"])
        #expect(Self.instances(inventory).allSatisfy { ($0["tags"] as? [String: String])?["team"] == "tests" })
        let groups = inventory["groups"] as? [[String: Any]] ?? []
        try #require(groups.count == 1)
        let rules = groups[0]["rules"] as? [[String: Any]] ?? []
        let cidrs = rules.flatMap { ($0["IpRanges"] as? [[String: Any]] ?? []).compactMap { $0["CidrIp"] as? String } }
        #expect(Set(cidrs) == ["198.51.100.0/24"], "nothing but allowed_cidrs from outside: \(rules)")
        #expect(Set(rules.compactMap { $0["FromPort"] as? Int }) == [22, 8786])
        #expect(inventory["keys"] as? [String] == ["clusterctl-\(cluster.name)"])
        let compute = try Self.compute(sandbox, cluster)
        #expect(compute.stdout.contains("RESULT -285"), "client:\n\(compute.all)")

        // A second up changes nothing.
        let again = try Self.clusterctl(sandbox, cluster, ["up", file, "--yes"])
        #expect(again.status == 0, "second up:\n\(again.all)")
        #expect(again.stdout.contains("nothing changed"))
        #expect(try Self.inventory(sandbox, cluster.name)["reservations"] as? Int == 2)

        // Scale to 5 in one more launch, then to 2: the emptied instances go.
        let five = try Self.clusterctl(sandbox, cluster, ["scale", cluster.name, "5", "--yes"])
        try #require(five.status == 0, "scale 5:\n\(five.all)")
        inventory = try Self.inventory(sandbox, cluster.name)
        #expect(Self.roles(inventory).filter { $0 == "worker" }.count == 5)
        #expect(inventory["reservations"] as? Int == 3)
        let two = try Self.clusterctl(sandbox, cluster, ["scale", cluster.name, "2"])
        try #require(two.status == 0, "scale 2:\n\(two.all)")
        #expect(Self.roles(try Self.inventory(sandbox, cluster.name)) == ["scheduler", "worker", "worker"])
        #expect(try Self.compute(sandbox, cluster).stdout.contains("RESULT -285"))

        // Plant an orphan: a tagged instance of a cluster no state knows. gc lists it, and only it.
        _ = try sandbox.python("""
        import boto3
        boto3.client("ec2").run_instances(ImageId="ami-0a0000000000noble3", InstanceType="t3.micro", MinCount=1, MaxCount=1,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "clusterctl:cluster", "Value": "lost-one"}]}])
        print("{}")
        """)
        let gc = try Self.clusterctl(sandbox, cluster, ["gc"])
        #expect(gc.status == 0, "gc:\n\(gc.all)")
        #expect(gc.stdout.contains("cluster lost-one") && !gc.stdout.contains("cluster \(cluster.name)"), "gc:\n\(gc.stdout)")
        let collect = try Self.clusterctl(sandbox, cluster, ["gc", "--yes"])
        #expect(collect.status == 0, "gc --yes:\n\(collect.all)")
        #expect(Self.instances(try Self.inventory(sandbox, "lost-one")).isEmpty)

        // down after deleting the local state: everything tagged is found and removed, the
        // security group once EC2 stops reporting it in use (as it does while instances shut down).
        try FileManager.default.removeItem(at: cluster.home)
        try sandbox.fail("DeleteSecurityGroup", code: "DependencyViolation", message: "resource has a dependent object",
                         status: 400, count: 2)
        let down = try Self.clusterctl(sandbox, cluster, ["down", file, "--yes"])
        #expect(down.status == 0, "down:\n\(down.all)")
        inventory = try Self.inventory(sandbox, cluster.name)
        #expect(Self.instances(inventory).isEmpty)
        #expect((inventory["groups"] as? [Any] ?? []).isEmpty)
        #expect((inventory["keys"] as? [Any] ?? []).isEmpty)
        #expect(try sandbox.pendingFaults("DeleteSecurityGroup") == 0)
    }
}

extension EC2Sandbox {
    /// Starts `program` inside the namespace with the sandbox's AWS settings and returns at
    /// once, for a test that must interrupt it; its output is dropped.
    func start(_ program: String, _ arguments: [String], environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        process.arguments = ["--net=/proc/\(holderPid)/ns/net", "--", program] + arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
            .merging(self.environment.merging(environment) { $1 }) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
