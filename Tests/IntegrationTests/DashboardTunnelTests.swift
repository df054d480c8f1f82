import Foundation
import Testing

/// `clusterctl dashboard` against an ssh cluster on the loopback sshd hosts: the scheduler's
/// HTTP server stays on its host's loopback, and the command forwards a local port to it.
@Suite(.serialized)
struct DashboardTunnelTests {
    @Test func dashboardIsForwardedAndNotExposed() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2", "127.0.0.3"])
        defer { pool.stop() }
        let cluster = try LocalClusterHarness(prefix: "dash")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2", workers: ["127.0.0.3"], count: 1)

        let missing = try cluster.clusterctl(["dashboard", "no-such-cluster"])
        #expect(missing.status == 1 && missing.stderr.contains("no cluster named no-such-cluster"), "\(missing.all)")

        let up = try cluster.clusterctl(["up", file], timeout: 600)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        let command = "clusterctl dashboard \(cluster.name)"
        // up and status point at the command, not at the scheduler host's loopback URL.
        #expect(up.stdout.contains(command) && !up.stdout.contains("http://127.0.0.1"), "up:\n\(up.stdout)")
        #expect(!up.stderr.contains("no authentication"), "a local dashboard needs no warning:\n\(up.stderr)")
        let table = try cluster.clusterctl(["status", cluster.name])
        #expect(table.stdout.contains("dashboard:  run `\(command)`") && !table.stdout.contains("http://"), "\(table.stdout)")
        let dashboard = try #require((try cluster.status()["scheduler"] as? [String: Any])?["dashboard"] as? [String: Any])
        #expect(dashboard["command"] as? String == command)
        #expect(dashboard["url"] is NSNull, "no URL opens from here: \(dashboard)")
        #expect(dashboard["access"] as? String == "local")

        // The scheduler's HTTP server listens on its host's loopback, not on its SSH address.
        let port = try Self.dashboardPort(cluster)
        #expect(TCPProbe.connects(host: "127.0.0.1", port: port), "the HTTP server is not on loopback (port \(port))")
        #expect(!TCPProbe.connects(host: "127.0.0.2", port: port), "port \(port) answers on the scheduler host's address")

        // A port in use is named, with the way out.
        let holder = try TCPProbe.Listener()
        defer { holder.close() }
        let taken = try cluster.clusterctl(["dashboard", cluster.name, "--port", String(holder.port)])
        #expect(taken.status == 1, "\(taken.all)")
        #expect(taken.stderr.contains("port \(holder.port)") && taken.stderr.contains("--port 0"), "\(taken.stderr)")

        // The command, as a child process: it prints the local URL, /health answers through
        // it, --open hands the URL to xdg-open, and SIGINT ends it with exit 0.
        let opened = cluster.directory.appendingPathComponent("opened-url").path
        let tools = try Self.fakeXDGOpen(in: cluster.directory, writingTo: opened)
        let forward = try DashboardCommand(cluster, ["dashboard", cluster.name, "--port", "0", "--open"], path: tools)
        defer { forward.stop() }
        let url = try #require(forward.url(within: 60), "no URL printed:\n\(forward.output)")
        #expect(url.range(of: #"^http://127\.0\.0\.1:\d+/status$"#, options: .regularExpression) != nil, "\(url)")
        let localPort = try #require(Int(url.split(separator: ":")[2].split(separator: "/")[0]))
        let health = try CapturedRun.of("curl", ["-sS", "--max-time", "30", "http://127.0.0.1:\(localPort)/health"])
        #expect(health.stdout == "ok", "GET /health through the tunnel:\n\(health.all)")
        #expect(eventually(within: 30) { (try? String(contentsOfFile: opened, encoding: .utf8)) == url + "\n" },
                "xdg-open was not given the URL:\n\(forward.output)")
        let status = try #require(forward.interrupt(within: 30), "no exit after SIGINT:\n\(forward.output)")
        #expect(status == 0, "exit status after SIGINT:\n\(forward.output)")
        #expect(!TCPProbe.connects(host: "127.0.0.1", port: localPort), "port \(localPort) still open after exit")

        // dashboard: public binds the HTTP server on the host's address; up warns once.
        let publicFile = try Self.withPublicDashboard(file)
        let publicUp = try cluster.clusterctl(["up", publicFile], timeout: 600)
        try #require(publicUp.status == 0, "up with a public dashboard:\n\(publicUp.all)")
        #expect(publicUp.stderr.components(separatedBy: "has no authentication").count == 2, "one warning:\n\(publicUp.stderr)")
        let publicPort = try Self.dashboardPort(cluster)
        let direct = try CapturedRun.of("curl", ["-sS", "--max-time", "30", "http://127.0.0.2:\(publicPort)/health"])
        #expect(direct.stdout == "ok", "the public dashboard on the host's address:\n\(direct.all)")
        let publicDashboard = (try cluster.status()["scheduler"] as? [String: Any])?["dashboard"] as? [String: Any]
        #expect(publicDashboard?["url"] as? String == "http://127.0.0.2:\(publicPort)/status", "\(publicDashboard ?? [:])")
        #expect(publicDashboard?["access"] as? String == "public")

        let down = try cluster.clusterctl(["down", cluster.name, "--yes"], timeout: 300)
        #expect(down.status == 0, "down:\n\(down.all)")
        let stopped = try cluster.clusterctl(["dashboard", cluster.name])
        #expect(stopped.status == 1 && stopped.stderr.contains("is not running"), "\(stopped.all)")
    }

    /// The tunnelled status page in a real headless browser: the Bokeh document arrives over
    /// the websocket through the tunnel and renders (see `Tests/Fixtures/dashboard-browser`).
    @Test(.enabled(if: Chromium.unavailableReason == nil, Comment(rawValue: Chromium.unavailableReason ?? "")))
    func browserRendersTheTunnelledDashboard() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2", "127.0.0.3"])
        defer { pool.stop() }
        let cluster = try LocalClusterHarness(prefix: "dashweb")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2", workers: ["127.0.0.3"], count: 1)
        let up = try cluster.clusterctl(["up", file], timeout: 600)
        try #require(up.status == 0, "up failed:\n\(up.all)")

        let forward = try DashboardCommand(cluster, ["dashboard", cluster.name, "--port", "0"])
        defer { forward.stop() }
        let url = try #require(forward.url(within: 60), "no URL printed:\n\(forward.output)")
        // Without JavaScript the page is an empty frame: placeholders, no Bokeh elements.
        let raw = try CapturedRun.of("curl", ["-sS", "--max-time", "30", url])
        #expect(raw.stdout.contains("data-root-id") && !raw.stdout.contains("class=\"bk-"), "\(raw.stdout.prefix(1000))")

        let started = Date()
        let browser = try CapturedRun.of(Chromium.script, [url, "60"], timeout: 120)
        let seconds = Date().timeIntervalSince(started)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(browser.stdout.utf8)) as? [String: Any],
                                  "browser:\n\(browser.all)")
        #expect(browser.status == 0, "the page did not render in \(String(format: "%.1f", seconds)) s: \(report)")
        let titles = report["titles"] as? [String] ?? []
        #expect(titles.contains("Task Stream") && titles.contains("Progress"), "document roots: \(titles)")
        let placeholders = report["placeholders"] as? Int ?? 0
        #expect(placeholders > 0 && report["rendered"] as? Int == placeholders, "\(report)")
        let port = url.split(separator: ":")[2].split(separator: "/")[0]
        #expect((report["websockets"] as? [String] ?? []).contains("ws://127.0.0.1:\(port)/status/ws"), "\(report)")
        #expect((report["frames_received"] as? Int ?? 0) > 0, "\(report)")
        print("dashboard-browser: rendered through the tunnel in \(String(format: "%.1f", seconds)) s: \(browser.stdout)")

        let status = try #require(forward.interrupt(within: 30), "no exit after SIGINT:\n\(forward.output)")
        #expect(status == 0, "\(forward.output)")
    }

    /// The scheduler's HTTP port on its node, from the cluster's state.
    static func dashboardPort(_ cluster: LocalClusterHarness) throws -> Int {
        let data = try Data(contentsOf: cluster.home.appendingPathComponent("\(cluster.name)/state.json"))
        let state = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return try #require((state?["endpoint"] as? [String: Any])?["dashboardPort"] as? Int)
    }

    /// Cluster file `file` changed to say `scheduler.dashboard: public`.
    static func withPublicDashboard(_ file: String) throws -> String {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        try #require(text.contains("  dashboard_port: 0\n"))
        try text.replacingOccurrences(of: "  dashboard_port: 0\n", with: "  dashboard_port: 0\n  dashboard: public\n")
            .write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// A directory holding an `xdg-open` that writes its argument to `file`.
    static func fakeXDGOpen(in directory: URL, writingTo file: String) throws -> String {
        let tools = directory.appendingPathComponent("tools")
        try FileManager.default.createDirectory(at: tools, withIntermediateDirectories: true)
        let script = tools.appendingPathComponent("xdg-open")
        try "#!/bin/sh\nprintf '%s\\n' \"$1\" > '\(file)'\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return tools.path
    }
}

/// `clusterctl dashboard ...` running as a child process, its output in files; stopped by pid.
final class DashboardCommand {
    private let process = Process()
    private let stdoutFile: URL
    private let stderrFile: URL

    /// Starts the binary with the harness's home; `path` goes first on PATH.
    init(_ cluster: LocalClusterHarness, _ arguments: [String], path: String? = nil) throws {
        let id = UUID().uuidString.prefix(8)
        stdoutFile = cluster.directory.appendingPathComponent("dashboard-\(id).out")
        stderrFile = cluster.directory.appendingPathComponent("dashboard-\(id).err")
        FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        var environment = ProcessInfo.processInfo.environment.merging(
            ["CLUSTERCTL_HOME": cluster.home.path, "CLUSTERCTL_TEMPLATES": LocalClusterHarness.templates]) { $1 }
        if let path { environment["PATH"] = path + ":" + (environment["PATH"] ?? "/usr/bin:/bin") }
        process.executableURL = URL(fileURLWithPath: LocalClusterHarness.binary)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutFile)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        try process.run()
    }

    var stdout: String { (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "" }
    var output: String { stdout + ((try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "") }

    /// The first line of stdout once it is complete, or nil if none came in time (or it exited).
    func url(within seconds: Double) -> String? {
        var line: String?
        _ = eventually(within: seconds, every: 0.05) {
            if let end = stdout.firstIndex(of: "\n") { line = String(stdout[..<end]) }
            return line != nil || !process.isRunning
        }
        return line
    }

    /// Sends SIGINT and waits for the exit; its status, or nil if it did not end in time.
    func interrupt(within seconds: Double) -> Int32? {
        Foundation.kill(process.processIdentifier, SIGINT)
        guard eventually(within: seconds, every: 0.05, { !process.isRunning }) else { return nil }
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    /// SIGKILL if it still runs.
    func stop() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// TCP reachability on this machine, for tests.
enum TCPProbe {
    /// True if a TCP connection to `host:port` is accepted (false when refused).
    static func connects(host: String, port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// A socket listening on 127.0.0.1 at a port the kernel picks, holding it until `close()`.
    final class Listener {
        let port: Int
        private let fd: Int32

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(fd, pointer, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, pointer, &length) == 0
                }
            }
            guard bound else {
                Glibc.close(fd)
                throw CapturedRun.Failure.timedOut(command: "listen on 127.0.0.1:0", seconds: 0)
            }
            self.fd = fd
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        func close() { Glibc.close(fd) }
    }
}

/// Debian's `chromium` for the browser test, installed with apt-get when missing (as root);
/// CI installs it through `scripts/install-deps`.
enum Chromium {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/dashboard-browser").path

    /// nil when `chromium` can run; else why not, for the skip message.
    static let unavailableReason: String? = {
        if installed { return nil }
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/apt-get") else {
            return "chromium is not installed and this test cannot install it (not root, or no apt-get): "
                + "run `apt-get install -y chromium` or scripts/install-deps"
        }
        let install = try? CapturedRun.of("/bin/sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"],
                                          timeout: 900)
        if installed { return nil }
        return "chromium is not installed and `apt-get install -y chromium` failed: \(install?.all.suffix(500) ?? "did not finish")"
    }()

    private static var installed: Bool {
        (try? CapturedRun.of("chromium", ["--version"], timeout: 60))?.status == 0
    }
}

/// `scheduler.dashboard: public` on ec2, against moto on loopback: the plan shows the ingress
/// rule, and the security group `up` makes opens the dashboard port to `allowed_cidrs` only.
struct PublicDashboardEC2Tests {
    @Test func securityGroupOpensTheDashboardToAllowedCIDRsOnly() throws {
        let moto = try LoopbackMoto()
        defer { moto.stop() }
        let cluster = try LocalClusterHarness(prefix: "dashec2")
        defer { try? FileManager.default.removeItem(at: cluster.directory) }
        let file = cluster.directory.appendingPathComponent("ec2.yaml").path
        try """
        name: \(cluster.name)
        provider:
          kind: ec2
          region: us-east-1
          ami: ami-785db401
          ssh_user: root
          allowed_cidrs: [198.51.100.0/24]
        scheduler:
          port: 8786
          dashboard_port: 8787
          dashboard: public
        workers:
          count: 1
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let settings = moto.environment.merging(["CLUSTERCTL_HOME": cluster.home.path,
                                                 "CLUSTERCTL_TEMPLATES": LocalClusterHarness.templates]) { $1 }
        let rule = "tcp 8787 (dashboard, no authentication) from 198.51.100.0/24"
        let plan = try moto.clusterctl(["plan", file], settings)
        #expect(plan.status == 0 && plan.stdout.contains(rule), "plan:\n\(plan.all)")

        let up = try moto.clusterctl(["up", file, "--yes", "--until", "launched"], settings)
        defer { _ = try? moto.clusterctl(["down", cluster.name, "--yes"], settings) }
        try #require(up.status == 0, "up --until launched:\n\(up.all)")
        #expect(up.stderr.contains("has no authentication"), "no warning:\n\(up.stderr)")
        let groups = try CapturedRun.of("python3", ["-c", """
            import boto3, json
            groups = boto3.client("ec2").describe_security_groups(
                Filters=[{"Name": "tag:clusterctl:cluster", "Values": ["\(cluster.name)"]}])["SecurityGroups"]
            print(json.dumps({str(p.get("FromPort")): sorted(r["CidrIp"] for r in p.get("IpRanges", []))
                              for g in groups for p in g["IpPermissions"]}))
            """], environment: moto.environment.merging(["AWS_DEFAULT_REGION": "us-east-1"]) { $1 })
        let ranges = try #require(try JSONSerialization.jsonObject(with: Data(groups.stdout.utf8)) as? [String: [String]],
                                  "describe_security_groups:\n\(groups.all)")
        #expect(ranges["8787"] == ["198.51.100.0/24"], "\(ranges)")
        #expect(ranges["8786"] == ["198.51.100.0/24"], "\(ranges)")
        #expect(!ranges.values.joined().contains("0.0.0.0/0"), "\(ranges)")
    }
}
