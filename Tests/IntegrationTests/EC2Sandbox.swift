import Foundation

/// A stand-in for EC2 on this machine, for driving the built `clusterctl` binary end to end:
/// a private network namespace in which every IPv4 address is local, holding moto (SigV4
/// signatures checked, `Tests/AWSKitTests/Fixtures/moto_server.py`) and one real OpenSSH
/// server on 0.0.0.0:22. Whatever address moto gives an instance, public (54.x) or private
/// (10.x, 172.31.x), reaches that sshd from inside the namespace, and no packet leaves the
/// machine. Programs that must talk to the instances run inside with `run(_:_:environment:timeout:)`;
/// nothing outside may connect to those addresses.
///
/// Like cloud-init, the sshd lets in the key of the key pair the instance at the connection's
/// local address was launched with (asked of moto at each login; `Tests/Fixtures/ec2-sandbox
/// authorized-keys`), for any existing user (use `root`: there is no `ubuntu` user here), and
/// sets `EC2_SANDBOX_INSTANCE_ID` in the session. Only pending and running instances answer. All
/// instances are this one machine: one file system and process table, so give each node its own
/// `install_dir` (`.../{host}`). Sessions get `UV_OFFLINE=1` (no internet inside): call
/// `warmUVCache(_:python:)` first for what they will install.
///
/// Start one per test and stop it in a `defer`: `stop()` kills, by pid, everything in the
/// namespace (moto, sshd, SSH sessions and whatever they left running), then the namespace's
/// holder. If the test process dies first, the holder does that itself.
final class EC2Sandbox {
    /// What went wrong setting up or using the sandbox.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The temp directory holding moto's state, sshd's config, host key and log, key files.
    let directory: URL
    /// moto's endpoint inside the namespace (`http://127.0.0.1:PORT`).
    let endpoint: String
    /// The IAM user's key pair that moto checks every signature against.
    let keyId: String
    let secret: String
    let userARN: String
    /// The region every call uses.
    let region = "us-east-1"
    /// The ed25519 host key sshd presents at every address, `ssh-ed25519 AAAA...`.
    let hostKey: String

    private let processes: SandboxProcesses

    /// The python3 that has moto and boto3 (the real interpreter, not a pyenv shim).
    static let python: String = {
        let run = try? CapturedRun.of("python3", ["-c", "import sys; print(sys.executable)"], timeout: 60)
        let path = run?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return path.isEmpty ? "python3" : path
    }()

    /// The fixture script (`Tests/Fixtures/ec2-sandbox`).
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/ec2-sandbox").path

    /// The packages every clusterctl environment gets (`Sources/ClusterKit/templates/packages.txt`).
    static let bootstrapPackages: [String] = {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/ClusterKit/templates/packages.txt")
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }()

    /// Why this machine cannot host a sandbox (not root, a tool or moto missing), or nil.
    static let unavailableReason: String? = {
        guard geteuid() == 0 else { return "EC2Sandbox needs root (unshare --net, nsenter, sshd on port 22)" }
        for tool in ["/usr/bin/unshare", "/usr/bin/nsenter", "/usr/sbin/ip", "/usr/sbin/sshd", "/usr/bin/ssh"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "EC2Sandbox needs \(tool)"
        }
        guard let check = try? CapturedRun.of(python, ["-c", "import moto.server, boto3"], timeout: 60),
              check.status == 0 else { return "EC2Sandbox needs python3 with moto[server] and boto3" }
        return nil
    }()

    /// Makes the namespace, starts moto and sshd in it and waits until both answer.
    /// `motoEnvironment` is added to moto's (e.g. `MOTO_ENABLE_AMI_VALIDATION: "1"`,
    /// `MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION: "1"`, `MOTO_ENABLE_KEYPAIR_VALIDATION: "1"`).
    init(motoEnvironment: [String: String] = [:]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ec2-sandbox-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            try checked(CapturedRun.of(Self.python, [Self.script, "prepare", directory.path], timeout: 60), "ec2-sandbox prepare")
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        let processes = try SandboxProcesses(directory: directory)
        self.processes = processes
        do {
            let moto = try processes.start([Self.python, Self.script, "moto", directory.path], log: "moto.log",
                                           environment: ["INITIAL_NO_AUTH_ACTION_COUNT": "3"].merging(motoEnvironment) { $1 })
            let stateFile = directory.appendingPathComponent("moto.json").path
            var state: [String: String]?
            _ = eventually(within: 60, every: 0.05) {
                state = FileManager.default.contents(atPath: stateFile)
                    .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: String] }
                return state != nil || !moto.isRunning
            }
            guard let state, let endpoint = state["endpoint"], let keyId = state["access_key_id"],
                  let secret = state["secret_access_key"], let arn = state["user_arn"] else {
                throw Failure(description: "moto did not start within 60 s:\n\(processes.log("moto.log"))")
            }
            (self.endpoint, self.keyId, self.secret, userARN) = (endpoint, keyId, secret, arn)

            // sshd detaches (see the script): its pid comes from its pid file.
            let sshd = try CapturedRun.of("nsenter", ["--net=/proc/\(processes.holder.processIdentifier)/ns/net", "--",
                                                       Self.python, Self.script, "sshd", directory.path], timeout: 30)
            let pidFile = directory.appendingPathComponent("sshd.pid").path
            var sshdPid: pid_t?
            _ = eventually(within: 20, every: 0.05) {
                sshdPid = (try? String(contentsOfFile: pidFile, encoding: .utf8))
                    .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                return sshdPid != nil
            }
            guard sshd.status == 0, let sshdPid, Self.netNamespace(of: sshdPid) == Self.netNamespace(of: processes.holder.processIdentifier) else {
                throw Failure(description: "sshd did not start:\n\(sshd.all)\(processes.log("sshd.log"))")
            }
            processes.sshdPid = sshdPid
            hostKey = try String(contentsOf: directory.appendingPathComponent("ssh_host_ed25519_key.pub"), encoding: .utf8)
                .split(separator: " ").prefix(2).joined(separator: " ")
        } catch {
            processes.stop()
            throw error
        }
    }

    // MARK: Running things inside

    /// The AWS settings of this sandbox and nothing from the developer's own files: the IAM
    /// user's keys, region, moto's endpoint, empty config and credentials files.
    var environment: [String: String] {
        ["AWS_ACCESS_KEY_ID": keyId, "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": region,
         "AWS_DEFAULT_REGION": region, "AWS_ENDPOINT_URL": endpoint,
         "AWS_CONFIG_FILE": directory.appendingPathComponent("aws-config").path,
         "AWS_SHARED_CREDENTIALS_FILE": directory.appendingPathComponent("aws-credentials").path,
         "AWS_EC2_METADATA_DISABLED": "true"]
    }

    /// Runs `program` (looked up in PATH) inside the namespace with this process's environment
    /// minus every other `AWS_*` variable, plus `self.environment`, plus `environment`.
    func run(_ program: String, _ arguments: [String], environment: [String: String] = [:],
             timeout: Double = 60) throws -> CapturedRun {
        let settings = self.environment.merging(environment) { $1 }
        let unset = ProcessInfo.processInfo.environment.keys.filter { $0.hasPrefix("AWS_") && settings[$0] == nil }
            .sorted().flatMap { ["-u", $0] }
        return try CapturedRun.of("nsenter", ["--net=/proc/\(holderPid)/ns/net", "--", "env"] + unset
                                  + [program] + arguments, environment: settings, timeout: timeout)
    }

    /// Runs the built `clusterctl` inside the namespace (see `run`).
    func clusterctl(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 300) throws -> CapturedRun {
        try run(LocalClusterHarness.binary, arguments, environment: environment, timeout: timeout)
    }

    /// Runs a Python script inside the namespace with `boto3`, `json` and a client `ec2`
    /// (this sandbox's keys and endpoint) already set up, and returns what it printed.
    /// Throws with its output when it fails. Its calls never hit faults set with `fail(_:...)`.
    func python(_ script: String, timeout: Double = 60) throws -> String {
        let prelude = "import boto3, json\nec2 = boto3.client('ec2')\n"
        let run = try run(Self.python, ["-c", prelude + script], environment: ["AWS_SDK_UA_APP_ID": "ec2-sandbox"],
                          timeout: timeout)
        guard run.status == 0 else { throw Failure(description: "python in the sandbox exited with \(run.status):\n\(run.all)") }
        return run.stdout
    }

    /// `python(script)`, its output decoded as JSON.
    func pythonJSON(_ script: String, timeout: Double = 60) throws -> Any {
        let output = try python(script, timeout: timeout)
        do {
            return try JSONSerialization.jsonObject(with: Data(output.utf8), options: [.fragmentsAllowed])
        } catch {
            throw Failure(description: "python in the sandbox printed no JSON:\n\(output)")
        }
    }

    /// Makes an ed25519 key pair in the sandbox's directory and returns the private key's path
    /// (the public key is beside it, `.pub`).
    func makeKey(_ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try checked(CapturedRun.of("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path]), "ssh-keygen")
        return path
    }

    /// Runs `command` over SSH as `user` at `address` from inside the namespace, with `key`,
    /// accepting the host key into a known_hosts file of the sandbox's own.
    func ssh(_ address: String, key: String, user: String = "root", _ command: String = "true",
             timeout: Double = 60) throws -> CapturedRun {
        try run("ssh", ["-i", key, "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
                        "-o", "StrictHostKeyChecking=accept-new",
                        "-o", "UserKnownHostsFile=\(directory.appendingPathComponent("known_hosts").path)",
                        "-o", "IdentitiesOnly=yes", "-F", "/dev/null", "\(user)@\(address)", command], timeout: timeout)
    }

    // MARK: Faults

    /// Makes the next `count` EC2 calls of `action` (e.g. `RunInstances`) from anything but
    /// `python(_:)` fail, after their signature is checked, with `code` and HTTP `status`.
    /// moto itself has no such knob (nor a DependencyViolation on DeleteSecurityGroup). moto
    /// rewrites the list as it uses faults up: add them while nothing is calling EC2.
    func fail(_ action: String, code: String, message: String = "injected by EC2Sandbox", status: Int = 500,
              count: Int = 1) throws {
        var faults = try faultList()
        faults.append(["action": action, "code": code, "message": message, "status": status, "count": count])
        let data = try JSONSerialization.data(withJSONObject: faults)
        let path = directory.appendingPathComponent("faults.json")
        try data.write(to: path, options: .atomic)
    }

    /// How many injected failures of `action` are still to come.
    func pendingFaults(_ action: String) throws -> Int {
        try faultList().filter { $0["action"] as? String == action }.reduce(0) { $0 + ($1["count"] as? Int ?? 0) }
    }

    private func faultList() throws -> [[String: Any]] {
        let data = try Data(contentsOf: directory.appendingPathComponent("faults.json"))
        return try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
    }

    // MARK: The uv cache

    /// Installs `packages` (default: what every clusterctl environment gets) for `python` into a
    /// throwaway environment with uv, outside the namespace, so that the same install over SSH
    /// inside (offline) finds everything in uv's cache. Needs the package index once.
    static func warmUVCache(_ packages: [String] = bootstrapPackages, python: String = "python3",
                            timeout: Double = 600) throws {
        try checked(CapturedRun.of(Self.python, [script, "warm-uv-cache", python] + packages, timeout: timeout), "warm-uv-cache")
    }

    // MARK: Processes

    /// The holder's pid: its `/proc/PID/ns/net` is the namespace.
    var holderPid: pid_t { processes.holder.processIdentifier }
    /// moto's pid (the process itself: nsenter and the script exec it) and sshd's (from its pid file).
    var servicePids: [pid_t] { processes.services.map(\.processIdentifier) + [processes.sshdPid].compactMap { $0 } }
    /// The namespace, `net:[inode]` (as `/proc/PID/ns/net` reads).
    var namespace: String? { Self.netNamespace(of: holderPid) }

    /// The `net:[inode]` of a process's network namespace, or nil when it is gone (or a zombie).
    static func netNamespace(of pid: pid_t) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net")
    }

    /// Live processes in the namespace other than the holder: moto, sshd, sessions, and
    /// whatever those started.
    var namespaceMembers: [pid_t] { processes.members }

    /// Kills everything in the namespace by pid (SIGTERM, SIGKILL after 3 s), then the holder,
    /// and removes the directory. Safe to call twice.
    func stop() { processes.stop() }
}

/// The processes of one sandbox: the holder of its network namespace and the services started
/// in it as children of this process, all stopped by pid.
private final class SandboxProcesses {
    let directory: URL
    let holder = Process()
    private(set) var services: [Process] = []
    /// sshd detaches, so it is no `Process` of ours.
    var sshdPid: pid_t?
    private var stopped = false

    /// Starts the holder (`unshare --net`), then makes every IPv4 address local inside.
    init(directory: URL) throws {
        self.directory = directory
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        holder.arguments = ["--net", "--", EC2Sandbox.python, EC2Sandbox.script, "hold", directory.path]
        holder.environment = Self.environmentWithoutAWS
        holder.standardInput = FileHandle.nullDevice
        do {
            try holder.run()
            let pid = holder.processIdentifier
            guard eventually(within: 10, every: 0.02, { EC2Sandbox.netNamespace(of: pid) != EC2Sandbox.netNamespace(of: getpid()) || !holder.isRunning }),
                  holder.isRunning else {
                throw EC2Sandbox.Failure(description: "unshare --net did not make a network namespace")
            }
            let enter = "--net=/proc/\(pid)/ns/net"
            try checked(CapturedRun.of("nsenter", [enter, "--", "ip", "link", "set", "lo", "up"]), "ip link set lo up")
            try checked(CapturedRun.of("nsenter", [enter, "--", "ip", "route", "add", "local", "0.0.0.0/0", "dev", "lo"]),
                        "ip route add local 0.0.0.0/0 dev lo")
        } catch {
            stop()
            throw error
        }
    }

    /// Starts `command` inside the namespace as a child of this process, output to `log`.
    func start(_ command: [String], log name: String, environment: [String: String] = [:]) throws -> Process {
        let logPath = directory.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        process.arguments = ["--net=/proc/\(holder.processIdentifier)/ns/net", "--"] + command
        process.environment = Self.environmentWithoutAWS.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        services.append(process)
        return process
    }

    func log(_ name: String) -> String {
        (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    var members: [pid_t] {
        guard holder.isRunning, let namespace = EC2Sandbox.netNamespace(of: holder.processIdentifier) else { return [] }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { $0 != holder.processIdentifier && EC2Sandbox.netNamespace(of: $0) == namespace }
    }

    func stop() {
        guard !stopped else { return }
        stopped = true
        if holder.isRunning {
            var left = members
            for pid in left { kill(pid, SIGTERM) }
            if !eventually(within: 3, every: 0.05, { left = members; return left.isEmpty }) {
                for pid in left { kill(pid, SIGKILL) }
                _ = eventually(within: 3, every: 0.05) { members.isEmpty }
            }
            kill(holder.processIdentifier, SIGKILL)
            holder.waitUntilExit()
        }
        for service in services where service.isRunning { kill(service.processIdentifier, SIGKILL) }
        for service in services { service.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }

    private static var environmentWithoutAWS: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
    }
}

private func checked(_ run: CapturedRun, _ what: String) throws {
    guard run.status == 0 else { throw EC2Sandbox.Failure(description: "\(what) exited with \(run.status):\n\(run.all)") }
}
