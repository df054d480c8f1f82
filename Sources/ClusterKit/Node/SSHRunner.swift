import Foundation
import SSHKit

/// Runs commands on one host over SSH, through one connection opened on first use and
/// reused for every command, upload and forward after it (from any thread). If the
/// connection breaks, the next call opens a new one; a command in flight is not retried.
///
/// `session` is read and written under `lock` only; SSHSession itself serialises its use.
public final class SSHRunner: CommandRunner, @unchecked Sendable {
    public let host: String
    /// How the connection is made: port, user, key or agent, known_hosts files and policy.
    public let configuration: SSHConfiguration
    private let lock = NSLock()
    private var session: SSHSession?

    /// A runner for `host` with the cluster's SSH access.
    /// - Parameter clusterKnownHosts: the cluster's own known_hosts file (`<state>/<cluster>/known_hosts`):
    ///   always read, after `~/.ssh/known_hosts` (unless `access` says not) and `access.knownHosts`, and where
    ///   `host_key_policy: accept-new` records new hosts.
    public convenience init(host: String, access: SSHAccess, clusterKnownHosts: String) {
        let policy: SSHHostKeyPolicy = access.hostKeyPolicy == .strict ? .strict : .acceptNew
        let read = (access.readsUserKnownHosts ? [SSHHostKeyCheck.userKnownHostsFile] : [])
            + (access.knownHosts.map { [$0] } ?? [])
        self.init(configuration: SSHConfiguration(
            host: host, port: access.port, user: access.user,
            authentication: access.key.map { .keyFile($0) } ?? .agent(),
            hostKeys: SSHHostKeyCheck(policy: policy, knownHostsFiles: read, recordFile: clusterKnownHosts),
            connectTimeout: access.connectTimeout))
    }

    /// A runner with a ready-made configuration; `host` is `configuration.host`.
    public init(configuration: SSHConfiguration) {
        self.host = configuration.host
        self.configuration = configuration
    }

    deinit { session?.close() }

    /// Opens the connection now rather than on first use, so an unreachable host, an unknown
    /// or changed host key or a refused key shows up before any work starts.
    public func connect() throws {
        _ = try openSession()
    }

    /// Closes the connection and every forward on it; a later call reconnects.
    public func close() {
        lock.withLock {
            session?.close()
            session = nil
        }
    }

    /// Runs `command` in a process group of its own whose id is kept in a pid file on the host,
    /// so that when it outlives `timeout` (libssh2 cannot signal a remote process) clusterctl
    /// stops the group over a second channel before reporting the timeout.
    public func run(_ command: String, input: Data?, timeout: Double) throws -> CommandResult {
        let pidFile = "${TMPDIR:-/tmp}/clusterctl-run-\(UUID().uuidString.lowercased()).pid"
        let request = try fitting(Self.stoppable(command, pidFile: pidFile, input: input != nil))
        let started = Stopwatch()
        do {
            let result = try withSession { try $0.execute(request, input: input, timeout: timeout) }
            debugLog.debug("\(host): exit \(result.exitStatus) in \(started.formatted): \(debugSummary(command))")
            return CommandResult(exitCode: result.exitStatus, stdout: result.stdoutText, stderr: result.stderrText)
        } catch let error as SSHError {
            debugLog.debug("\(host): failed after \(started.formatted) (\(error.reason)): \(debugSummary(command))")
            if case .timedOut(_, .exec, _, _) = error {
                try stopTimedOut(command, pidFile: pidFile, seconds: timeout)
                throw RunnerError.timedOut(host: host, command: command, seconds: timeout)
            }
            throw runnerError(error)
        }
    }

    /// `command` under `/bin/sh`, started by `setsid` as the leader of a new process group whose
    /// id goes to `pidFile` (removed when it ends); the exit status is the command's.
    ///
    /// A stop may come before the pid file exists (a loaded host can take longer than the
    /// timeout to get this far), so `stopScript` first leaves `<pidFile>.stop`: the wrapper does
    /// not start a command once that marker exists (exit 124), and stops the group itself when
    /// the marker appears between starting it and writing the pid file.
    ///
    /// With `input`, the command reads the channel's stdin (kept on descriptor 3, which a
    /// command started in the background still has); else `/dev/null`.
    static func stoppable(_ command: String, pidFile: String, input: Bool = false) -> String {
        let stdin = input ? "<&3 3<&-" : "</dev/null"
        let script = "pidfile=\"\(pidFile)\"; stop=\"$pidfile.stop\"; "
            + "if [ -e \"$stop\" ]; then rm -f \"$stop\"; exit 124; fi; "
            + (input ? "exec 3<&0; " : "")
            + "if command -v setsid >/dev/null 2>&1; then setsid /bin/sh -c \"$1\" \(stdin) & "
            + "else /bin/sh -c \"$1\" \(stdin) & fi; "
            + "child=$!; echo \"$child\" > \"$pidfile\"; "
            + "if [ -e \"$stop\" ]; then kill -s KILL -- \"-$child\" 2>/dev/null || sudo -n kill -s KILL -- \"-$child\" 2>/dev/null; fi; "
            + "wait \"$child\"; status=$?; rm -f \"$pidfile\" \"$stop\"; exit \"$status\""
        return "exec /bin/sh -c " + ShellQuote.quote(script) + " clusterctl-run " + ShellQuote.quote(command)
    }

    /// Stops the process group `stoppable` recorded in `pidFile`: SIGTERM, then SIGKILL after two
    /// seconds (through sudo when it started something as root). Exits 0 once nothing of it runs,
    /// or when it had not started (the marker it leaves keeps it from starting later).
    static func stopScript(pidFile: String) -> String {
        let script = "pidfile=\"\(pidFile)\"; : > \"$pidfile.stop\"; pid=$(cat \"$pidfile\" 2>/dev/null) || exit 0; "
            + "signal() { kill -s \"$1\" -- \"-$pid\" 2>/dev/null || sudo -n kill -s \"$1\" -- \"-$pid\" 2>/dev/null; }; "
            // A member still runs unless it is a zombie (one the host's init has not reaped
            // yet). (dash's kill takes `-s 0`, not `-0`, before `--`.)
            + "alive() { if command -v ps >/dev/null 2>&1; then ps -e -o pgid= -o stat= 2>/dev/null "
            + "| awk -v g=\"$pid\" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'; "
            + "else kill -s 0 -- \"-$pid\" 2>/dev/null || sudo -n kill -s 0 -- \"-$pid\" 2>/dev/null; fi; }; "
            + "gone() { ! alive; }; "
            + "signal TERM; for i in 1 2 3 4 5 6 7 8 9 10; do gone && break; sleep 0.2; done; "
            + "gone || signal KILL; for i in 1 2 3 4 5 6 7 8 9 10; do gone && break; sleep 0.2; done; "
            + "rm -f \"$pidfile\"; gone"
        return posixShell(script)
    }

    /// Stops a command that timed out (see `stopScript`); throws if it cannot.
    private func stopTimedOut(_ command: String, pidFile: String, seconds: Double) throws {
        let stopped: Bool
        do {
            stopped = try withSession { try $0.execute(Self.stopScript(pidFile: pidFile), timeout: 30) }.exitStatus == 0
        } catch {
            stopped = false
        }
        guard stopped else {
            throw RunnerError.connection(host: host, reason: "command did not finish within \(Int(seconds)) s, and clusterctl "
                                         + "could not stop it, so it may still run there: \(command)")
        }
    }

    public func stream(_ command: String, onOutput: @escaping (String) -> Void) throws -> Int32 {
        // Hand text on only up to the last whole UTF-8 character; keep the rest for the next chunk.
        var pending = Data()
        let deliver: (SSHOutputChunk) -> Void = { chunk in
            pending.append(chunk.data)
            let complete = UTF8Boundary.completePrefixLength(of: pending)
            if complete > 0 {
                onOutput(String(decoding: pending.prefix(complete), as: UTF8.self))
                pending.removeFirst(complete)
            }
        }
        do {
            let request = try fitting(Self.posixShell(command))
            debugLog.debug("\(host): streaming \(debugSummary(command))")
            let status = try withSession { try $0.stream(request, onOutput: deliver) }
            if !pending.isEmpty { onOutput(String(decoding: pending, as: UTF8.self)) }
            return status ?? 0
        } catch let error as SSHError {
            throw runnerError(error)
        }
    }

    /// Uploads over SFTP (temporary file, then renamed over `path`), creating missing parent
    /// directories like `LocalRunner` does.
    public func upload(_ contents: Data, to path: String, mode: Int) throws {
        debugLog.debug("\(host): uploading \(contents.count) bytes to \(path)")
        do {
            try withSession {
                try $0.upload(contents, to: path, mode: mode, createDirectories: true,
                              timeout: 60 + Double(contents.count) / 1_000_000)
            }
        } catch let error as SSHError {
            throw RunnerError.transfer(host: host, path: path, reason: "ssh \(error.step.rawValue): \(error.reason)")
        }
    }

    public func forward(to remoteHost: String, port remotePort: Int, localPort: Int) throws -> PortForward {
        do {
            return try withSession { try $0.forwardLocalPort(to: remoteHost, port: remotePort, localPort: localPort) }
        } catch let error as SSHError {
            throw runnerError(error)
        }
    }

    /// Runs `body` on the open session; if that connection turns out to have died while idle
    /// (`SSHError.closed`: nothing was done on the host), runs it once more on a new one.
    private func withSession<T>(_ body: (SSHSession) throws -> T) throws -> T {
        do {
            return try body(try openSession())
        } catch SSHError.closed {
            return try body(try openSession())
        }
    }

    /// The open session, connecting (once, even with many callers waiting) if there is none
    /// or the last one broke.
    private func openSession() throws -> SSHSession {
        try lock.withLock {
            if let session, session.isOpen { return session }
            session = nil
            do {
                let started = Stopwatch()
                let opened = try SSHSession.connect(configuration)
                debugLog.debug("\(host): connected as \(configuration.user) in \(started.formatted)")
                session = opened
                return opened
            } catch let error as SSHError {
                throw runnerError(error)
            }
        }
    }

    /// The most an exec request's command may hold: an OpenSSH server takes request packets of
    /// at most 32 KiB, headers included, and answers a larger one only with a refusal.
    static let requestLimit = 32_000

    /// `request`, or a clear error when it is too long for one SSH exec request.
    private func fitting(_ request: String) throws -> String {
        let size = request.utf8.count
        guard size <= Self.requestLimit else {
            throw RunnerError.tooLong(host: host, bytes: size, limit: Self.requestLimit)
        }
        return request
    }

    private func runnerError(_ error: SSHError) -> RunnerError {
        switch error {
        case .authenticationFailed(_, let user, let message):
            return .connection(host: host, reason: "ssh auth as \(user)@\(configuration.endpoint): \(message)")
        case .failed(_, .exec, let message):
            return .failedToStart(host: host, reason: message)
        default:
            return .connection(host: host, reason: "ssh \(error.step.rawValue): \(error.reason)")
        }
    }

    /// `command` for `/bin/sh -c`, whatever the user's login shell is.
    private static func posixShell(_ command: String) -> String {
        "exec /bin/sh -c " + ShellQuote.quote(command)
    }
}

extension SSHPortForward: PortForward {}

/// Where a byte stream can be cut without splitting a UTF-8 sequence.
enum UTF8Boundary {
    /// The length of the longest prefix of `data` that ends on a character boundary
    /// (all of it unless it ends inside a multi-byte sequence).
    static func completePrefixLength(of data: Data) -> Int {
        let bytes = [UInt8](data.suffix(4))
        var index = bytes.count - 1
        var continuations = 0
        while index >= 0, continuations < 3, bytes[index] & 0b1100_0000 == 0b1000_0000 {
            index -= 1
            continuations += 1
        }
        guard index >= 0 else { return data.count }
        let lead = bytes[index]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        return continuations + 1 < length ? data.count - (bytes.count - index) : data.count
    }
}
