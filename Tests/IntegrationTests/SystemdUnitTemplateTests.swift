import ClusterKit
import Foundation
import Testing

/// The Dask unit templates in `templates/systemd/`, filled with plausible values (with and
/// without the service user's sandbox), pass `systemd-analyze verify` without a single
/// complaint; broken units do not.
@Suite(
    "systemd unit templates",
    .enabled(if: UnitTemplateFixture.analyzerMissing == nil, Comment(rawValue: UnitTemplateFixture.analyzerMissing ?? ""))
)
struct SystemdUnitTemplateTests {
    @Test("rendered units verify cleanly", arguments: ["scheduler", "worker"], [nil, "clusterctl"] as [String?])
    func renderedUnitVerifies(role: String, user: String?) throws {
        let fixture = try UnitTemplateFixture()
        defer { fixture.remove() }
        let unit = try fixture.render(role: role, user: user)

        let verdict = try fixture.verify(unit, named: "clusterctl-demo-\(role).service")
        #expect(verdict.status == 0, "systemd-analyze verify exited \(verdict.status): \(verdict.diagnostics)")
        #expect(verdict.diagnostics.isEmpty, "systemd-analyze verify complained: \(verdict.diagnostics)")

        let lines = unit.split(separator: "\n").map(String.init)
        #expect(lines.contains("Description=Dask \(role == "worker" ? "workers" : "scheduler") of clusterctl cluster demo"))
        let execStart = fixture.argv(role: role).map(SystemdQuote.quote).joined(separator: " ")
        #expect(lines.contains("ExecStart=\(execStart) "))
        #expect(lines.filter { $0.hasPrefix("Environment=") }
                == UnitTemplateFixture.environment.sorted { $0.key < $1.key }.map { "Environment=" + SystemdQuote.quote("\($0.key)=\($0.value)") })
        #expect(lines.filter { $0.hasPrefix("User=") } == (user.map { ["User=\($0)"] } ?? []))
        #expect(lines.filter { $0.hasPrefix("Group=") } == (user.map { ["Group=\($0)"] } ?? []))
        if user != nil {
            // Sandboxed: read-only system and install, no homes, writable work directory for workers only.
            for expected in ["NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                             "PrivateDevices=yes", "CapabilityBoundingSet=", "AmbientCapabilities=",
                             "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service", "UMask=0077"] {
                #expect(lines.contains(expected), "missing \(expected)")
            }
            let writable = lines.filter { $0.hasPrefix("ReadWritePaths=") || $0.hasPrefix("BindPaths=") }
            #expect(writable == (role == "worker" ? ["ReadWritePaths=\"\(fixture.directory.path)/work\""] : []), "writable: \(writable)")
        } else {
            #expect(!lines.contains { $0.hasPrefix("ProtectSystem=") || $0.hasPrefix("NoNewPrivileges=") })
        }
        for expected in ["After=network-online.target", "Wants=network-online.target", "Type=simple",
                         "Restart=always", "RestartSec=1", "KillMode=control-group", "WantedBy=multi-user.target",
                         // A worker exits 0 when its scheduler goes away and follows it back; an
                         // idle scheduler exits 0 for good.
                         role == "worker" ? "RestartPreventExitStatus=75 76" : "RestartPreventExitStatus=0 75 76"] {
            #expect(lines.contains(expected), "missing \(expected)")
        }
        if role == "worker" {
            #expect(lines.contains("KillSignal=SIGTERM") && lines.contains("TimeoutStopSec=30"))
        }
        #expect(!lines.contains { $0.hasPrefix("ExecStopPost=") }, "only launched instances power off")
        #expect(!unit.contains("{{"), "unfilled placeholder left in:\n\(unit)")
    }

    @Test("on an instance clusterctl launched, the units power it off once the lifetime ended", arguments: ["scheduler", "worker"])
    func launchedInstancePowersOff(role: String) throws {
        let fixture = try UnitTemplateFixture()
        defer { fixture.remove() }
        let unit = try fixture.render(role: role, user: "clusterctl", powerOff: true)
        let verdict = try fixture.verify(unit, named: "clusterctl-demo-\(role).service")
        #expect(verdict.status == 0 && verdict.diagnostics.isEmpty, "systemd-analyze verify: \(verdict.diagnostics)")
        let lines = unit.split(separator: "\n").map(String.init)
        #expect(lines.contains("ExecStopPost=+/bin/sh -c 'case \"$$EXIT_STATUS\" in 75|76) systemctl poweroff ;; esac'"),
                "unit:\n\(unit)")
    }

    @Test("an install directory under a home is bound into read-only home file systems", arguments: ["scheduler", "worker"])
    func installUnderHome(role: String) throws {
        let fixture = try UnitTemplateFixture()
        defer { fixture.remove() }
        let install = "/home/ubuntu/.local/share/clusterctl/demo"
        let sandbox = SystemdKeeper.sandbox(role: role == "worker" ? .worker : .scheduler, installDirectory: install)
        #expect(sandbox.contains("ProtectHome=tmpfs") && !sandbox.contains("ProtectHome=yes"))
        #expect(sandbox.contains("TemporaryFileSystem=/home:ro /root:ro"))
        #expect(sandbox.contains("BindReadOnlyPaths=\"\(install)\""))
        #expect(sandbox.filter { $0.hasPrefix("BindPaths=") || $0.hasPrefix("ReadWritePaths=") }
                == (role == "worker" ? ["BindPaths=\"\(install)/work\""] : []))
        let unit = try fixture.render(role: role, user: "clusterctl", sandbox: sandbox)
        let verdict = try fixture.verify(unit, named: "clusterctl-demo-\(role).service")
        #expect(verdict.status == 0 && verdict.diagnostics.isEmpty, "systemd-analyze verify: \(verdict.diagnostics)")
        // Checks made before the directories exist mark the paths optional.
        let check = SystemdKeeper.sandbox(role: .worker, installDirectory: install, optionalPaths: true)
        #expect(check.contains("BindReadOnlyPaths=-\"\(install)\"") && check.contains("BindPaths=-\"\(install)/work\""))
    }

    @Test("a unit whose ExecStart binary does not exist fails verification")
    func missingExecutableFails() throws {
        let fixture = try UnitTemplateFixture()
        defer { fixture.remove() }
        let unit = try fixture.render(role: "worker", user: nil)
            .replacingOccurrences(of: "/venv/bin/dask", with: "/venv/bin/no-such-dask")

        let verdict = try fixture.verify(unit, named: "clusterctl-demo-worker.service")
        #expect(verdict.status != 0, "verify accepted a unit with a missing ExecStart binary")
    }

    @Test("a unit with a misspelt key or a bad value draws complaints")
    func badSettingsAreReported() throws {
        let fixture = try UnitTemplateFixture()
        defer { fixture.remove() }
        let unit = try fixture.render(role: "scheduler", user: nil)
            .replacingOccurrences(of: "Restart=always", with: "Restart=sometimes")
            .replacingOccurrences(of: "KillMode=control-group", with: "KillMood=control-group")

        let verdict = try fixture.verify(unit, named: "clusterctl-demo-scheduler.service")
        #expect(verdict.diagnostics.contains { $0.contains("sometimes") })
        #expect(verdict.diagnostics.contains { $0.contains("KillMood") })
    }
}

/// A scratch directory with a stand-in `dask` executable, and the templates rendered by ClusterKit.
struct UnitTemplateFixture {
    /// Why the tests cannot run here, or nil when `systemd-analyze` is installed.
    static let analyzerMissing: String? = {
        let found = try? CapturedRun.of("sh", ["-c", "command -v systemd-analyze"], timeout: 10)
        return found?.status == 0 ? nil : "systemd-analyze is not installed (Debian package systemd)"
    }()


    /// Environment with characters systemd would otherwise interpret (quotes, `$`, `%`).
    static let environment = [
        "PATH": "/opt/clusterctl/demo/venv/bin:/usr/local/bin:/usr/bin:/bin",
        "DASK_DISTRIBUTED__SCHEDULER__HTTP__ROUTES": "['distributed.http.health', 'distributed.http.scheduler.api']",
        "ODD": "100% of $HOME \"quoted\"",
    ]

    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("unit-template-\(UUID().uuidString)")
        let bin = directory.appendingPathComponent("venv/bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let dask = bin.appendingPathComponent("dask").path
        try Data("#!/bin/sh\nexit 0\n".utf8).write(to: URL(fileURLWithPath: dask))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dask)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    func argv(role: String) -> [String] {
        let dask = directory.appendingPathComponent("venv/bin/dask").path
        if role == "worker" {
            return [dask, "worker", "tcp://127.0.0.1:8786", "--name", "demo-127.0.0.1", "--host", "127.0.0.1",
                    "--nworkers", "2", "--nthreads", "2", "--memory-limit", "2GiB"]
        }
        return [dask, "scheduler", "--host", "127.0.0.1", "--port", "8786", "--dashboard-address", "127.0.0.1:8787"]
    }

    /// The unit as clusterctl renders it (ClusterKit's renderer, values escaped for systemd);
    /// with a user, sandboxed to this directory as install directory unless `sandbox` says otherwise.
    func render(role: String, user: String?, sandbox: [String]? = nil, powerOff: Bool = false) throws -> String {
        let serviceRole: ServiceRole = role == "worker" ? .worker : .scheduler
        return try SystemdKeeper.renderUnit(
            cluster: "demo", role: serviceRole, argv: argv(role: role), environment: Self.environment,
            workingDirectory: directory.path, user: user,
            sandbox: sandbox ?? (user == nil ? [] : SystemdKeeper.sandbox(role: serviceRole, installDirectory: directory.path)),
            powerOff: powerOff)
    }

    /// Writes `unit` as `name` and runs `systemd-analyze verify` on it; the diagnostics are the
    /// lines of its output that mention this unit.
    func verify(_ unit: String, named name: String) throws -> (status: Int32, diagnostics: [String]) {
        let path = directory.appendingPathComponent(name).path
        try Data(unit.utf8).write(to: URL(fileURLWithPath: path))
        let run = try CapturedRun.of("systemd-analyze", ["verify", path], timeout: 60)
        let diagnostics = (run.stdout + run.stderr).split(separator: "\n").map(String.init).filter { $0.contains(name) }
        return (run.status, diagnostics)
    }
}
