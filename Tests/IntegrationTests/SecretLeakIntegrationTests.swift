import Foundation
import Testing

/// Issue 8's bar for secrets: recognisable fake AWS keys, the SSH key and every TLS key
/// clusterctl makes are planted, the whole life of an ssh cluster on the loopback sshd hosts is
/// run with the most talkative output there is, and none of them turns up in anything printed,
/// logged or stored outside the files meant to hold them, nor in the arguments or environment
/// of any process the nodes ran.
///
/// The loopback hosts are this machine, so `ps -eo args` here covers every node; on top of that
/// snapshot, `strace` follows every sshd of the pool and records the arguments and environment
/// of every program any SSH session started (the bootstrap, the supervisor, Dask, `install`,
/// ...), however short-lived.
@Suite(.serialized)
struct SecretLeakIntegrationTests {
    @Test func sshClusterLeaksNoSecret() throws {
        let hosts = ["127.0.0.2", "127.0.0.3"]
        let pool = try SSHHostPool(addresses: hosts)
        defer { pool.stop() }
        let cluster = try LocalClusterHarness(prefix: "leak")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: hosts[0], workers: [hosts[1]], count: 1)
        let clusterDirectory = cluster.home.appendingPathComponent(cluster.name)
        let nodes = hosts.map { pool.directory.appendingPathComponent("nodes/\($0)") }

        // Planted: AWS credentials in every run's environment and in the shared files it names,
        // and the SSH key the provider logs in with.
        var needles = SecretNeedles()
        let aws = try AWSCanaries(directory: cluster.directory.appendingPathComponent("aws"))
        needles.add(aws.needles)
        let reference = cluster.directory.appendingPathComponent("reference_ed25519").path
        _ = try CapturedRun.of("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "clusterctl-test", "-f", reference])
        try needles.addPrivateKeys(in: pool.key, label: "ssh key",
                                   excluding: try [reference, pool.key + ".pub"].map { try String(contentsOfFile: $0, encoding: .utf8) }.joined())

        // Every program the nodes' SSH sessions start, with its arguments and environment.
        let trace = try ExecTrace(sshdPidFiles: hosts.map { pool.hostDirectory($0) + "/sshd.pid" },
                                  output: cluster.directory.appendingPathComponent("exec.trace"))
        defer { _ = try? trace.stop() }

        var outputs: [(label: String, run: CapturedRun)] = []
        func clusterctl(_ arguments: [String], timeout: Double = 300) throws -> CapturedRun {
            let run = try CapturedRun.of(LocalClusterHarness.binary, arguments,
                                         environment: aws.environment.merging(["CLUSTERCTL_HOME": cluster.home.path,
                                                                               "CLUSTERCTL_TEMPLATES": LocalClusterHarness.templates]) { $1 },
                                         timeout: timeout)
            outputs.append(("clusterctl " + arguments.joined(separator: " "), run))
            return run
        }
        /// The TLS keys as they are now: the authority's and the client's here, each node's there.
        func readTLSKeys(_ when: String) throws {
            let certificates = SecretNeedles.certificates(in: Self.certificateFiles(under: clusterDirectory, nodes: nodes))
            for name in ["ca-key.pem", "client-key.pem"] {
                try needles.addPrivateKeys(in: clusterDirectory.appendingPathComponent("tls/\(name)").path, label: "\(name) (\(when))",
                                           excluding: certificates)
            }
            for (host, node) in zip(hosts, nodes) {
                try needles.addPrivateKeys(in: node.appendingPathComponent("tls/node.pem").path, label: "node.pem of \(host) (\(when))",
                                           excluding: certificates)
            }
        }

        let up = try clusterctl(["up", file], timeout: 600)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        try readTLSKeys("after up")
        for arguments in [["status", cluster.name], ["status", cluster.name, "--output", "json"], ["list", "--output", "json"],
                          ["plan", file], ["up", file], ["up", file, "--verbose"], ["status", cluster.name, "--verbose"],
                          ["logs", cluster.name, "--tail", "1000"], ["env", cluster.name],
                          ["exec", cluster.name, "--", "true"], ["exec", cluster.name, "--", "env"]] {
            let run = try clusterctl(arguments)
            #expect(run.status == 0, "clusterctl \(arguments.joined(separator: " ")):\n\(run.all)")
        }
        // (--verbose: the debug lines name every command and upload, never their secret contents.)
        for (arguments, when) in [(["rotate-certs", cluster.name, "--verbose"], "after rotate-certs"),
                                  (["rotate-certs", cluster.name, "--new-authority"], "after rotate-certs --new-authority")] {
            let run = try clusterctl(arguments)
            try #require(run.status == 0, "clusterctl \(arguments.joined(separator: " ")):\n\(run.all)")
            try readTLSKeys(when)
        }
        let logs = try clusterctl(["logs", cluster.name, "--tail", "1000"])
        #expect(logs.status == 0 && logs.stdout.contains("Registered to"), "logs after rotation:\n\(logs.all)")

        // The scanner finds what it looks for: in the key files themselves, and in them
        // escaped as JSON and encoded as base64 (as a command line or a request would carry them).
        for path in [clusterDirectory.appendingPathComponent("tls/ca-key.pem").path, nodes[0].appendingPathComponent("tls/node.pem").path] {
            let key = try Data(contentsOf: URL(fileURLWithPath: path))
            let json = try JSONSerialization.data(withJSONObject: ["key": String(decoding: key, as: UTF8.self)])
            let embedded = Data("printf '%s' x".utf8) + Data(key.base64EncodedString().utf8) + Data(" | base64 -d".utf8)
            for (form, data) in [("as is", key), ("as JSON", json), ("as base64", embedded)] {
                #expect(!needles.found(in: data, place: path).isEmpty, "the scanner misses the key in \(path) \(form)")
            }
        }
        let planted = [aws.credentialsFile, aws.configFile].map { needles.found(in: (try? Data(contentsOf: URL(fileURLWithPath: $0))) ?? Data(), place: $0) }
        #expect(planted.allSatisfy { !$0.isEmpty }, "the scanner misses the planted AWS files")

        // While the cluster runs: every process's arguments, and the Dask processes' environment.
        var leaks: [String] = []
        let ps = try CapturedRun.of("ps", ["-e", "-ww", "-o", "args"])
        // (The snapshot holds the cluster's Dask processes: what is scanned is really there.)
        #expect(ps.status == 0 && ps.stdout.contains("dask scheduler") && ps.stdout.contains("dask worker"),
                "ps -eo args:\n\(ps.all)")
        leaks += needles.found(in: Data(ps.stdout.utf8), place: "ps -eo args (cluster up)")
        let dask = cluster.markedProcesses()
        #expect(dask.count >= 3, "the scheduler, a nanny and its worker carry the service mark: \(dask)")
        for pid in dask {
            let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data()
            #expect(!environ.isEmpty, "the environment of pid \(pid) cannot be read")
            leaks += needles.found(in: environ, place: "environment of Dask process \(pid)")
        }
        // Files, while it runs: everything but the key files themselves.
        leaks += try Self.scanFiles(needles, home: cluster.home, clusterDirectory: clusterDirectory, nodes: nodes,
                                    pool: pool.directory, when: "cluster up")
        for path in ["tls/ca-key.pem", "tls/client-key.pem"].map({ clusterDirectory.appendingPathComponent($0).path })
            + nodes.map({ $0.appendingPathComponent("tls/node.pem").path }) {
            #expect(Self.mode(path) == 0o600, "\(path) has mode \(String(Self.mode(path) ?? 0, radix: 8)), not 0600")
        }
        for path in [clusterDirectory.appendingPathComponent("tls").path] + nodes.map({ $0.appendingPathComponent("tls").path }) {
            #expect(Self.mode(path) == 0o700, "\(path) has mode \(String(Self.mode(path) ?? 0, radix: 8)), not 0700")
        }
        #expect(Self.mode(clusterDirectory.appendingPathComponent("state.json").path) == 0o600)

        let down = try clusterctl(["down", cluster.name, "--yes"])
        #expect(down.status == 0, "down:\n\(down.all)")
        #expect(cluster.markedProcesses().isEmpty, "left running: \(cluster.markedProcesses())")
        let traced = try trace.stop()
        leaks += needles.found(in: traced.data, place: "arguments and environment of the \(traced.programs) programs the nodes ran")
        #expect(traced.programs > 20 && String(decoding: traced.data, as: UTF8.self).contains("supervise.py"),
                "the trace holds what the sessions ran (\(traced.programs) programs)")

        for (label, run) in outputs {
            leaks += needles.found(in: Data(run.stdout.utf8), place: "stdout of \(label)")
            leaks += needles.found(in: Data(run.stderr.utf8), place: "stderr of \(label)")
        }
        leaks += try Self.scanFiles(needles, home: cluster.home, clusterDirectory: clusterDirectory, nodes: nodes,
                                    pool: pool.directory, when: "after down")
        #expect(needles.count >= 40, "needles: \(needles.summary)")
        #expect(leaks.isEmpty, "secrets found:\n\(leaks.joined(separator: "\n"))")
    }

    /// Needles found in every file clusterctl or its nodes wrote: the clusterctl home (state,
    /// known_hosts, locks, tls) but for the two key files there, each node's install directory
    /// (logs, run directory, markers, work directory, certificates) but for `tls/node.pem` and
    /// the Python environment's tree (its top-level files are read), and each sshd's log.
    static func scanFiles(_ needles: SecretNeedles, home: URL, clusterDirectory: URL, nodes: [URL], pool: URL,
                          when: String) throws -> [String] {
        let allowed: Set<String> = Set(["tls/ca-key.pem", "tls/client-key.pem"].map { clusterDirectory.appendingPathComponent($0).path }
            + nodes.map { $0.appendingPathComponent("tls/node.pem").path })
        var files = regularFiles(under: home)
        for node in nodes {
            // The Python environment's own tree is skipped; its top-level files (markers,
            // requirements) are read.
            let environment = node.appendingPathComponent("env").path
            files += regularFiles(under: node, skipping: [environment])
            files += ((try? FileManager.default.contentsOfDirectory(atPath: environment)) ?? [])
                .map { environment + "/" + $0 }.filter { isRegularFile($0) }
        }
        files += regularFiles(under: pool.appendingPathComponent("hosts")).filter { $0.hasSuffix("sshd.log") }
        var found: [String] = []
        var scanned = 0
        for path in files where !allowed.contains(path) {
            guard let data = FileManager.default.contents(atPath: path) else {
                found.append("cannot read \(path)")
                continue
            }
            scanned += 1
            found += needles.found(in: data, place: "\(path) (\(when))")
        }
        #expect(scanned >= 10, "too few files scanned (\(when)): \(files)")
        return found
    }

    /// The certificate files (public): a key line found in them is public material, no secret.
    static func certificateFiles(under clusterDirectory: URL, nodes: [URL]) -> [String] {
        regularFiles(under: clusterDirectory.appendingPathComponent("tls"))
            + nodes.map { $0.appendingPathComponent("tls/ca.pem").path } + nodes.map { $0.appendingPathComponent("tls/node.pem").path }
    }

    /// Regular files under `directory`, not descending into `skipping` (nor following links).
    static func regularFiles(under directory: URL, skipping: Set<String> = []) -> [String] {
        var files: [String] = []
        var pending = [directory.path]
        while let folder = pending.popLast() {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                let path = folder + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFREG: files.append(path)
                case S_IFDIR where !skipping.contains(path): pending.append(path)
                default: break
                }
            }
        }
        return files
    }

    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
    }
}

/// Fake AWS credentials no real account has, for the environment and the shared files.
struct AWSCanaries {
    let credentialsFile: String
    let configFile: String
    let environment: [String: String]
    let needles: [(label: String, text: String)]

    init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        credentialsFile = directory.appendingPathComponent("credentials").path
        configFile = directory.appendingPathComponent("config").path
        let id = "AKIACLUSTERCTLCANARY1"
        let secret = "ClusterctlCanarySecretAccessKeyEnv000001"
        let token = "ClusterctlCanarySessionTokenFromTheEnvironment0001"
        let fileSecret = "ClusterctlCanarySecretAccessKeyFile00002"
        let fileToken = "ClusterctlCanarySessionTokenFromTheCredentialsFile02"
        let configSecret = "ClusterctlCanarySecretAccessKeyConf00003"
        try """
        [default]
        aws_access_key_id = AKIACLUSTERCTLCANARY2
        aws_secret_access_key = \(fileSecret)
        aws_session_token = \(fileToken)
        """.write(toFile: credentialsFile, atomically: true, encoding: .utf8)
        try """
        [default]
        region = us-east-1
        [profile canary]
        aws_access_key_id = AKIACLUSTERCTLCANARY3
        aws_secret_access_key = \(configSecret)
        """.write(toFile: configFile, atomically: true, encoding: .utf8)
        environment = ["AWS_ACCESS_KEY_ID": id, "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": token,
                       "AWS_SHARED_CREDENTIALS_FILE": credentialsFile, "AWS_CONFIG_FILE": configFile,
                       "AWS_EC2_METADATA_DISABLED": "true"]
        // The key ids are 21 characters (AWS's length), but nothing else could spell them.
        needles = [("AWS key id (environment)", id), ("AWS secret key (environment)", secret),
                   ("AWS session token (environment)", token), ("AWS key id (credentials file)", "AKIACLUSTERCTLCANARY2"),
                   ("AWS secret key (credentials file)", fileSecret), ("AWS session token (credentials file)", fileToken),
                   ("AWS key id (config file)", "AKIACLUSTERCTLCANARY3"), ("AWS secret key (config file)", configSecret)]
        precondition(secret.count == 40 && fileSecret.count == 40 && configSecret.count == 40)
    }
}

/// What the scan looks for. Each secret is looked for as written, in any wrapping, escaped as
/// JSON or percent-encoded, and base64-encoded at any byte alignment (as `printf %s B64 |
/// base64 -d` in a command line, or EC2 user data, would carry it). On a hit only a label and
/// the needle's first characters are shown.
struct SecretNeedles {
    private var needles: [(label: String, bytes: [UInt8])] = []
    private var labels: [String: Int] = [:]

    var count: Int { needles.count }
    var summary: String { labels.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") }

    mutating func add(_ secrets: [(label: String, text: String)]) {
        for secret in secrets { add(secret.text, label: secret.label) }
    }

    mutating func add(_ text: String, label: String) {
        let bytes = Array(text.utf8)
        guard !needles.contains(where: { $0.bytes == bytes }) else { return }
        needles.append((label, bytes))
        labels[label, default: 0] += 1
        // Base64 of the needle inside a longer text, for each alignment: only whole groups
        // that hold needle bytes alone.
        for shift in 0..<3 {
            let padded = [UInt8](repeating: 0, count: shift) + bytes
            let whole = padded.count / 3 * 3
            let encoded = Data(padded[0..<whole]).base64EncodedString().dropFirst(shift == 0 ? 0 : 4)
            if encoded.count >= 24 { needles.append((label + " (base64-encoded)", Array(encoded.utf8))) }
        }
    }

    /// Adds the base64 body lines of every `PRIVATE KEY` block in `path` (at least one is
    /// required), leaving out lines that also appear in `excluding` (certificates, a public key,
    /// a reference key made the same way): those hold public or fixed bytes, no secret.
    mutating func addPrivateKeys(in path: String, label: String, excluding: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let publicText = Self.normalized(Data(excluding.utf8))
        var inKey = false
        var lines: [String] = []
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("-----BEGIN"), line.contains("PRIVATE KEY") { inKey = true; continue }
            if line.hasPrefix("-----END") { inKey = false; continue }
            if inKey, line.count >= 24, Self.find(Array(line.utf8), in: publicText) == false { lines.append(line) }
        }
        try #require(!lines.isEmpty, "no private key lines in \(path)")
        for line in lines { add(line, label: label) }
    }

    /// The `CERTIFICATE` blocks of the PEM files at `paths` (those that exist), one text.
    static func certificates(in paths: [String]) -> String {
        paths.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.flatMap { text in
            text.components(separatedBy: "-----BEGIN CERTIFICATE-----").dropFirst()
                .compactMap { $0.components(separatedBy: "-----END CERTIFICATE-----").first }
        }.joined(separator: "\n")
    }

    /// "LABEL [first characters…] in PLACE" for each needle found in `data`.
    func found(in data: Data, place: String) -> [String] {
        let haystack = Self.normalized(data)
        return needles.filter { Self.find($0.bytes, in: haystack) }
            .map { "\($0.label) [\(String(decoding: $0.bytes.prefix(6), as: UTF8.self))…] in \(place)" }
    }

    /// `data` without whitespace, NUL bytes and escaped line breaks (any wrapping, JSON,
    /// environment blocks), with `\/` as `/` (JSON) and `%2F`, `%2B`, `%3D` decoded (URLs, form
    /// bodies), NUL-terminated. Needles hold none of these.
    static func normalized(_ data: Data) -> [UInt8] {
        let bytes = [UInt8](data)
        var out = [UInt8](repeating: 0, count: bytes.count + 1)
        var count = 0
        var index = 0
        func hex(_ byte: UInt8) -> UInt8 { byte >= 0x61 ? byte - 0x20 : byte }  // upper case
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x00, 0x20, 0x09, 0x0A, 0x0D:
                index += 1
                continue
            case 0x5C where index + 1 < bytes.count:  // \n \r drop, \/ is /
                switch bytes[index + 1] {
                case 0x6E, 0x72: index += 2; continue
                case 0x2F: out[count] = 0x2F; count += 1; index += 2; continue
                default: break
                }
            case 0x25 where index + 2 < bytes.count:  // %2F %2B %3D
                switch (bytes[index + 1], hex(bytes[index + 2])) {
                case (0x32, 0x46): out[count] = 0x2F; count += 1; index += 3; continue
                case (0x32, 0x42): out[count] = 0x2B; count += 1; index += 3; continue
                case (0x33, 0x44): out[count] = 0x3D; count += 1; index += 3; continue
                default: break
                }
            default: break
            }
            out[count] = byte
            count += 1
            index += 1
        }
        out.removeLast(out.count - count - 1)
        return out
    }

    /// Whether `needle` occurs in `haystack` (C's `strstr`: `normalized` drops NUL bytes and
    /// ends with one; needles hold none).
    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count < haystack.count else { return false }
        let terminated = needle + [0]
        return haystack.withUnsafeBufferPointer { hay in
            terminated.withUnsafeBufferPointer { pin in
                hay.baseAddress!.withMemoryRebound(to: CChar.self, capacity: hay.count) { h in
                    pin.baseAddress!.withMemoryRebound(to: CChar.self, capacity: pin.count) { strstr(h, $0) != nil }
                }
            }
        }
    }
}

/// `strace` attached to the pool's sshd daemons: every program any SSH session starts, and
/// whatever those start, is recorded with its full arguments and environment (`execve`).
/// Stopped by pid: SIGTERM, and SIGKILL if it has not exited within ten seconds (strace 6.1,
/// attached to daemons with `-f`, has been seen to hold SIGTERM blocked while it waits; the
/// kernel detaches the daemons when their tracer dies, and every line was written by then).
final class ExecTrace {
    private let process = Process()
    private let output: URL
    private var stopped: (data: Data, programs: Int)?

    init(sshdPidFiles: [String], output: URL) throws {
        self.output = output
        let pids = try sshdPidFiles.map { file -> String in
            try #require(Int32((try String(contentsOfFile: file, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)),
                         "no pid in \(file)").description
        }
        let strace = "/usr/bin/strace"
        try #require(FileManager.default.isExecutableFile(atPath: strace), "the secrets test needs strace (scripts/install-deps)")
        process.executableURL = URL(fileURLWithPath: strace)
        process.arguments = ["-f", "-qq", "-v", "-s", "1000000", "-e", "trace=execve", "-e", "signal=none",
                             "-o", output.path] + pids.flatMap { ["-p", $0] }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        // Attached once every daemon names strace as its tracer.
        let tracer = "\(process.processIdentifier)"
        let attached = eventually(within: 20, every: 0.02) {
            !process.isRunning || pids.allSatisfy { pid in
                ((try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? "").split(separator: "\n")
                    .contains { $0.hasPrefix("TracerPid:") && $0.split(separator: "\t").last.map(String.init) == tracer }
            }
        }
        guard attached, process.isRunning else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw ExecTraceFailure(description: "strace did not attach to sshd \(pids): \(message)")
        }
    }

    /// Stops tracing (idempotent) and returns the trace and the number of programs started.
    @discardableResult
    func stop() throws -> (data: Data, programs: Int) {
        if let stopped { return stopped }
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            if !eventually(within: 10, every: 0.05, { !process.isRunning }) { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        let data = (try? Data(contentsOf: output)) ?? Data()
        let programs = String(decoding: data, as: UTF8.self).split(separator: "\n").filter { $0.contains("execve(") }.count
        stopped = (data, programs)
        return (data, programs)
    }

    deinit { _ = try? stop() }
}

struct ExecTraceFailure: Error, CustomStringConvertible {
    let description: String
}
