import ClusterKit
import Foundation
import Testing

/// `environment.offline` end to end with the built binary: real sshd hosts on loopback, wheels
/// fetched once with real pip into a wheelhouse cache of the test's own, shipped over SSH,
/// installed with no index, and a real Dask client computing on the cluster; then the same
/// with the host inside a network namespace of its own, where nothing but loopback exists.
@Suite(.serialized)
struct OfflineClusterTests {
    /// `clusterctl ARGS` with the harness's home and `cache` as `XDG_CACHE_HOME`.
    func clusterctl(_ cluster: LocalClusterHarness, cache: URL, _ arguments: [String], timeout: Double = 300) throws -> CapturedRun {
        try CapturedRun.of(LocalClusterHarness.binary, arguments,
                           environment: ["CLUSTERCTL_HOME": cluster.home.path, "CLUSTERCTL_TEMPLATES": LocalClusterHarness.templates,
                                         "XDG_CACHE_HOME": cache.path, "NO_COLOR": "1"],
                           timeout: timeout)
    }

    @Test func offlineOnInstallsFromShippedWheelsAndComputes() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2", "127.0.0.3"])
        defer { pool.stop() }
        let cluster = try LocalClusterHarness(prefix: "offl")
        defer { cluster.tearDown() }
        let cache = cluster.directory.appendingPathComponent("cache")
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2", workers: ["127.0.0.3"], count: 1)
        // The minimal set keeps the test quick (8 MB instead of 106); it has compiled wheels too
        // (msgpack, psutil), which must fit the nodes' platform. bench/index-bytes ships the default set.
        try (String(contentsOfFile: file, encoding: .utf8) + "\nenvironment:\n  base: minimal\n  offline: on\n")
            .write(toFile: file, atomically: true, encoding: .utf8)

        let up = try clusterctl(cluster, cache: cache, ["up", file], timeout: 900)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        // Fetched once on this machine for both nodes, shipped to each, installed with no index.
        let wheelhouses = try FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent("clusterctl/wheelhouse").path)
        #expect(wheelhouses.count == 1 && wheelhouses[0].hasPrefix("cp3"), "cache holds \(wheelhouses)")
        #expect(up.stderr.components(separatedBy: "wheelhouse: fetching").count - 1 == 1, "one fetch for two nodes:\n\(up.stderr)")
        let local = cache.appendingPathComponent("clusterctl/wheelhouse/\(wheelhouses.first ?? "")")
        let wheels = try FileManager.default.contentsOfDirectory(atPath: local.path).filter { $0.hasSuffix(".whl") }
        #expect(wheels.contains { $0.hasPrefix("msgpack-") && $0.contains("manylinux") } && wheels.contains { $0.hasPrefix("distributed-") },
                "\(wheels)")
        for host in pool.addresses {
            let shipped = pool.directory.appendingPathComponent("nodes/\(host)/wheelhouse").path
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: shipped)) == Set(wheels), "\(host)'s wheelhouse")
            #expect(up.stderr.contains("\(host): environment: environment.offline: on: wheels come from this machine"), "\(up.stderr)")
            #expect(up.stderr.contains("\(host): environment: packages installed with no index, from the wheels in \(shipped)"),
                    "\(up.stderr)")
        }
        #expect(try cluster.python(LocalClusterLifecycleTests.computeScript).stdout.contains("RESULT -285"))

        // A second up finds everything in place: nothing fetched, shipped or installed again.
        let again = try clusterctl(cluster, cache: cache, ["up", file], timeout: 300)
        #expect(again.status == 0 && !again.stderr.contains("shipping"), "second up:\n\(again.all)")

        let down = try clusterctl(cluster, cache: cache, ["down", cluster.name, "--yes"], timeout: 300)
        #expect(down.status == 0, "down:\n\(down.all)")
        #expect(cluster.markedProcesses().isEmpty, "left running: \(cluster.markedProcesses())")

        // With its environment gone, a host builds it again from the wheels it already has.
        let worker = pool.directory.appendingPathComponent("nodes/127.0.0.3").path
        try FileManager.default.removeItem(atPath: worker + "/env")
        let rebuild = try clusterctl(cluster, cache: cache, ["up", file], timeout: 900)
        try #require(rebuild.status == 0, "up after the environment was removed:\n\(rebuild.all)")
        #expect(rebuild.stderr.contains("127.0.0.3: environment: all \(wheels.count) wheels already in \(worker)/wheelhouse; nothing to ship"),
                "\(rebuild.stderr)")
        #expect(!rebuild.stderr.contains("shipping") && !rebuild.stderr.contains("wheelhouse: fetching"), "\(rebuild.stderr)")
        #expect(rebuild.stderr.contains("127.0.0.3: environment: packages installed with no index"), "\(rebuild.stderr)")
        #expect(try cluster.python(LocalClusterLifecycleTests.computeScript).stdout.contains("RESULT -285"))
        let downAgain = try clusterctl(cluster, cache: cache, ["down", cluster.name, "--yes"], timeout: 300)
        #expect(downAgain.status == 0, "down:\n\(downAgain.all)")
    }

    /// A package with no wheel for the nodes: `up` fails naming the host and the package after
    /// one fetch, leaves no wheelhouse a rerun would trust, and suggests `off`.
    @Test func aPackageWithNoWheelIsNamedAndCachesNothing() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2", "127.0.0.3"])
        defer { pool.stop() }
        let cluster = try LocalClusterHarness(prefix: "nowhl")
        defer { cluster.tearDown() }
        let cache = cluster.directory.appendingPathComponent("cache")
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2", workers: ["127.0.0.3"], count: 1)
        let missing = "clusterctl-no-such-package-7f3a==1.0"
        try (String(contentsOfFile: file, encoding: .utf8) + "\nenvironment:\n  base: minimal\n  packages: [\(missing)]\n  offline: on\n")
            .write(toFile: file, atomically: true, encoding: .utf8)

        let up = try clusterctl(cluster, cache: cache, ["up", file], timeout: 600)
        #expect(up.status == 1, "up:\n\(up.all)")
        // The scheduler's node is prepared first; the failure there stops the plan.
        #expect(up.stderr.contains("error: 127.0.0.2: no wheel of \(missing) fits the nodes (CPython 3."), "\(up.stderr)")
        #expect(up.stderr.contains("environment.offline: off"), "\(up.stderr)")
        #expect(up.stderr.components(separatedBy: "wheelhouse: fetching").count - 1 == 1, "one fetch:\n\(up.stderr)")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent("clusterctl/wheelhouse").path)) ?? []
        #expect(left.isEmpty, "left in the cache: \(left)")
        #expect(cluster.markedProcesses().isEmpty)
    }

    /// The default, `offline: auto`, on a host that reaches the package index: it installs from
    /// the index as before, and nothing is fetched here or shipped.
    @Test func autoWithTheIndexInReachInstallsFromIt() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2"])
        defer { pool.stop() }
        let cluster = try LocalClusterHarness(prefix: "onl")
        defer { cluster.tearDown() }
        let cache = cluster.directory.appendingPathComponent("cache")
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2", workers: ["127.0.0.2"], count: 1)
        try (String(contentsOfFile: file, encoding: .utf8) + "\nenvironment:\n  base: minimal\n").write(toFile: file, atomically: true, encoding: .utf8)

        let up = try clusterctl(cluster, cache: cache, ["up", file], timeout: 900)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        #expect(!up.stderr.contains("wheel") && !up.stderr.contains("no index"), "\(up.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cache.appendingPathComponent("wheelhouse").path), "a wheelhouse was fetched")
        #expect(!FileManager.default.fileExists(atPath: pool.directory.appendingPathComponent("nodes/127.0.0.2/wheelhouse").path))
        #expect(try cluster.python(LocalClusterLifecycleTests.computeScript).stdout.contains("RESULT -285"))
        let down = try clusterctl(cluster, cache: cache, ["down", cluster.name, "--yes"], timeout: 300)
        #expect(down.status == 0, "down:\n\(down.all)")
    }

    /// The offline proof: the host's sshd, `clusterctl up`, a Python client and `clusterctl down`
    /// all run inside one `unshare --net` of this test's own, where loopback is the only
    /// interface and there is no route anywhere; the wheelhouse cache was filled before,
    /// outside. With `offline: auto` the node finds the index out of reach, asks for the wheels
    /// and installs a fresh environment from them.
    @Test func aHostWithNoNetworkComesUpFromShippedWheels() throws {
        let cluster = try LocalClusterHarness(prefix: "nonet")
        let hostDirectory = cluster.directory.appendingPathComponent("host").path
        defer {
            _ = try? CapturedRun.of(SSHHostPool.script, ["stop", hostDirectory], timeout: 30)
            cluster.killAll()
            try? FileManager.default.removeItem(at: cluster.directory)
        }
        let unshare = try CapturedRun.of("unshare", ["--net", "--", "ip", "route", "show"])
        try #require(unshare.status == 0, "unshare --net does not work here:\n\(unshare.all)")

        let cache = cluster.directory.appendingPathComponent("cache")
        let key = cluster.directory.appendingPathComponent("id_ed25519").path
        _ = try CapturedRun.of("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key], timeout: 30)
        let port = try CapturedRun.of(SSHHostPool.script, ["port", "127.0.0.2"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let file = cluster.directory.appendingPathComponent("cluster.yaml").path
        try """
        name: \(cluster.name)
        provider:
          kind: ssh
          user: \(NSUserName())
          key: \(key)
          port: \(port)
          host_key_policy: accept-new
          scheduler: 127.0.0.2
          workers: [127.0.0.2]
          install_dir: \(cluster.directory.path)/node
          connect_timeout: 5s
        scheduler:
          port: 0
          dashboard_port: 0
        workers:
          count: 1
          threads: 1
          memory_limit: 1GiB
        environment:
          base: minimal
          offline: auto
        """.write(toFile: file, atomically: true, encoding: .utf8)

        // Outside the namespace: the wheels for the host's Python, fetched as `up` would.
        let target = try Self.hostTarget()
        let packages = try EnvironmentInstaller.packages(for: EnvironmentSpec(base: .minimal))
        _ = try Wheelhouse(root: cache.appendingPathComponent("clusterctl/wheelhouse")).ensure(target, packages: packages) { _ in }

        let script = """
        set -u
        ip link set lo up
        trap '"$SSHD_HOST" stop "$HOST_DIR" >/dev/null 2>&1' EXIT
        echo "route: $(ip route get 1.1.1.1 2>&1)"
        "$SSHD_HOST" start "$HOST_DIR" 127.0.0.2 "$PORT" "$KEY.pub" >/dev/null || exit 90
        "$CLUSTERCTL" up "$FILE" || exit 91
        ENV=$("$CLUSTERCTL" status "$NAME" --output json | python3 -c 'import json, sys; print(json.load(sys.stdin)["environment"])')
        "$ENV/bin/python" -c "$CLIENT" || exit 92
        "$CLUSTERCTL" down "$NAME" --yes || exit 93
        """
        let client = """
        import json, os, subprocess
        status = json.loads(subprocess.check_output([os.environ["CLUSTERCTL"], "status", os.environ["NAME"], "--output", "json"]))
        scheduler = status["scheduler"]
        tls = scheduler.get("tls")
        if tls:
            os.environ.update({"DASK_DISTRIBUTED__COMM__TLS__CA_FILE": tls["authority"],
                               "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": tls["certificate"],
                               "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": tls["key"],
                               "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True"})
        os.environ["ADDRESS"] = scheduler["address"]
        exec(\(Self.pythonLiteral(LocalClusterLifecycleTests.computeScript)))
        """
        let run = try CapturedRun.of("unshare", ["--net", "--", "bash", "-c", script], environment: [
            "SSHD_HOST": SSHHostPool.script, "HOST_DIR": hostDirectory, "PORT": port, "KEY": key,
            "CLUSTERCTL": LocalClusterHarness.binary, "FILE": file, "NAME": cluster.name, "CLIENT": client,
            "CLUSTERCTL_HOME": cluster.home.path, "CLUSTERCTL_TEMPLATES": LocalClusterHarness.templates,
            "XDG_CACHE_HOME": cache.path, "NO_COLOR": "1",
        ], timeout: 900)
        #expect(run.stdout.contains("route: RTNETLINK answers: Network is unreachable"), "a route inside:\n\(run.stdout)")
        try #require(run.status == 0, "inside the namespace (exit \(run.status)):\n\(run.all)")
        #expect(run.stderr.contains("127.0.0.2: environment: the package index is out of reach from this node"), "\(run.stderr)")
        #expect(run.stderr.contains("wheelhouse: using \(cache.path)/clusterctl/wheelhouse/\(target.cacheKey(packages: packages))"),
                "\(run.stderr)")
        #expect(run.stderr.contains("127.0.0.2: environment: packages installed with no index"), "\(run.stderr)")
        #expect(run.stdout.contains("RESULT -285"), "\(run.all)")
        #expect(cluster.markedProcesses().isEmpty, "left running: \(cluster.markedProcesses())")
    }

    /// `match_client` pins a Python the host lacks (its sessions find only pyenv's shim, which
    /// does not run that version) and `offline: on` leaves uv no download: `up` ships a build
    /// from the Python store in clusterctl's cache over SSH, the host unpacks it and builds the
    /// environment on it from shipped wheels, and a real client computes on the services it runs.
    /// (A second CPython of this machine, copied into the store as uv lays its builds out, stands
    /// for the python-build-standalone build uv would download: this machine cannot reach GitHub.)
    @Test(.enabled(if: otherPython != nil, "no second CPython 3.10+ on this machine to stand for a relocatable build"))
    func aHostWithoutThePinnedPythonIsShippedOne() throws {
        let (minor, prefix) = try #require(Self.otherPython)
        let pool = try SSHHostPool(addresses: ["127.0.0.2"])
        defer { pool.stop() }
        let cluster = try LocalClusterHarness(prefix: "pyship")
        defer { cluster.tearDown() }
        let cache = cluster.directory.appendingPathComponent("cache")
        let build = "cpython-\(minor).99-linux-x86_64-gnu"
        let store = cache.appendingPathComponent("clusterctl/pythons/\(build)").path
        let copy = try CapturedRun.of(Self.relocatable, ["copy", prefix, minor, store], timeout: 300)
        try #require(copy.status == 0, "\(copy.all)")
        // The client: that Python with Dask, in a venv of the test's own.
        let client = cluster.directory.appendingPathComponent("client").path
        let venv = try CapturedRun.of("bash", ["-c", """
            set -e
            uv venv --quiet --python "$PREFIX/bin/python$MINOR" "$CLIENT"
            uv pip install --quiet --python "$CLIENT/bin/python" dask==2026.8.0 distributed==2026.8.0
            """], environment: ["PREFIX": prefix, "MINOR": minor, "CLIENT": client], timeout: 600)
        try #require(venv.status == 0, "the client's venv:\n\(venv.all)")
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2", workers: ["127.0.0.2"], count: 1)
        try (String(contentsOfFile: file, encoding: .utf8)
             + "\nenvironment:\n  base: minimal\n  offline: on\n  match_client: \(client)/bin/python\n")
            .write(toFile: file, atomically: true, encoding: .utf8)

        let up = try clusterctl(cluster, cache: cache, ["up", file], timeout: 900)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        #expect(up.stderr.contains("127.0.0.2: environment: the node has no Python \(minor) (environment.match_client)"), "\(up.stderr)")
        #expect(up.stderr.contains("127.0.0.2: environment: shipping \(build).tar.gz ("), "\(up.stderr)")
        let unpacked = pool.directory.appendingPathComponent("nodes/127.0.0.2/python/\(build)/bin/python\(minor)").path
        #expect(FileManager.default.isExecutableFile(atPath: unpacked), "not unpacked at \(unpacked)")
        let versions = try cluster.python("""
            import os, sys
            from distributed import Client
            with Client(os.environ["ADDRESS"], timeout=30) as client:
                print("NODE", client.run_on_scheduler(lambda: "%d.%d %s" % (sys.version_info[:2] + (sys.base_prefix,))))
            """)
        #expect(versions.stdout.contains("NODE \(minor) \(pool.directory.path)/nodes/127.0.0.2/python/\(build)"), "\(versions.all)")
        #expect(try cluster.python(LocalClusterLifecycleTests.computeScript).stdout.contains("RESULT -285"))
        let down = try clusterctl(cluster, cache: cache, ["down", cluster.name, "--yes"], timeout: 300)
        #expect(down.status == 0, "down:\n\(down.all)")
        #expect(cluster.markedProcesses().isEmpty, "left running: \(cluster.markedProcesses())")
    }

    /// `Tests/Fixtures/relocatable-python`, and the second CPython of this machine it finds
    /// (pyenv's, of another minor version than the hosts' system `python3`): version and prefix.
    static let relocatable = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/relocatable-python").path
    static let otherPython: (minor: String, prefix: String)? = {
        let words = ((try? CapturedRun.of(relocatable, ["find"]))?.stdout ?? "").split(separator: " ")
        return words.count == 2 ? (String(words[0]), words[1].trimmingCharacters(in: .whitespacesAndNewlines)) : nil
    }()

    /// What the host's `python3` (the one an SSH session finds) says about itself, as the
    /// bootstrap reports it when asking for wheels.
    static func hostTarget() throws -> WheelTarget {
        let probe = try CapturedRun.of("env", ["-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "python3", "-c",
                                               "import os, sys; print('%d.%d' % sys.version_info[:2], os.uname().machine, os.confstr('CS_GNU_LIBC_VERSION'))"])
        let words = probe.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        try #require(probe.status == 0 && words.count == 4, "python3 on the host: \(probe.all)")
        return WheelTarget(pythonMinor: words[0], machine: words[1], libc: words[2], libcVersion: words[3])
    }

    /// `text` as a Python string literal.
    static func pythonLiteral(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
