import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `/bin/sh -c` child of this process with its stdout and stderr piped back, and its stdin
/// fed from `input` (or `/dev/null`).
///
/// Owns the pid and every pipe end; used only by `LocalRunner`.
final class ChildProcess {
    let pid: pid_t
    private var out: Int32
    private var err: Int32
    /// The write end of the child's stdin while `pending` is being written (-1 otherwise).
    private var stdin: Int32 = -1
    private var pending: Data

    /// Starts `command`. With `ownGroup` the child leads its own process group, so a
    /// timeout can stop everything it started; without, Ctrl-C reaches it with us. `input`
    /// is written to its stdin while `drain` runs, then closed.
    init(command: String, ownGroup: Bool, input: Data? = nil) throws {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        var inPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0, input == nil || pipe(&inPipe) == 0 else {
            throw RunnerError.failedToStart(host: "localhost", reason: String(cString: strerror(errno)))
        }
        for fd in outPipe + errPipe + inPipe where fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if input == nil {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if ownGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let env = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        let argv = ["/bin/sh", "-c", command]
        var child: pid_t = 0
        let status = withCStrings(argv) { cArgv in
            withCStrings(env) { cEnv in
                posix_spawn(&child, "/bin/sh", &actions, &attributes, cArgv, cEnv)
            }
        }
        close(outPipe[1])
        close(errPipe[1])
        if inPipe[0] >= 0 { close(inPipe[0]) }
        guard status == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            if inPipe[1] >= 0 { close(inPipe[1]) }
            throw RunnerError.failedToStart(host: "localhost", reason: String(cString: strerror(status)))
        }
        pid = child
        out = outPipe[0]
        err = errPipe[0]
        pending = input ?? Data()
        if inPipe[1] >= 0 {
            // Written without blocking as the child reads; a child that exits first must not
            // stop this process with SIGPIPE.
            Self.ignoreBrokenPipes()
            _ = fcntl(inPipe[1], F_SETFL, fcntl(inPipe[1], F_GETFL) | O_NONBLOCK)
            stdin = inPipe[1]
            if pending.isEmpty { closeInput() }
        }
    }

    /// Writing to a pipe whose reader is gone fails with EPIPE instead of killing the process.
    private static let ignoringBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()
    private static func ignoreBrokenPipes() { _ = ignoringBrokenPipes }

    private func closeInput() {
        close(stdin)
        stdin = -1
        pending = Data()
    }

    /// Writes as much of `pending` as the pipe takes now; closes it once all is written or the
    /// child stopped reading.
    private func writeInput() {
        let written = pending.withUnsafeBytes { write(stdin, $0.baseAddress, $0.count) }
        if written > 0 {
            pending.removeFirst(written)
            if pending.isEmpty { closeInput() }
        } else if written < 0 && errno != EAGAIN && errno != EINTR {
            closeInput()
        }
    }

    /// Reads both pipes until they close or `deadline` passes, handing chunks to `onChunk`
    /// (true for stdout). Returns false if the deadline passed first.
    func drain(until deadline: Deadline?, onChunk: (Bool, Data) -> Void) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while out >= 0 || err >= 0 {
            var fds = [pollfd(fd: out, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: err, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)]
            let wait: Int32 = deadline.map { Int32(min(1000, max(0, $0.remaining * 1000))) } ?? 1000
            let ready = poll(&fds, 3, wait)
            if ready < 0 && errno != EINTR { break }
            if ready <= 0 {
                if let deadline, deadline.hasPassed { return false }
                continue
            }
            if fds[2].fd >= 0 && fds[2].revents != 0 { writeInput() }
            for (index, item) in fds[0..<2].enumerated() where item.fd >= 0 && item.revents != 0 {
                let n = read(item.fd, &buffer, buffer.count)
                if n > 0 {
                    onChunk(index == 0, Data(buffer[0..<n]))
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(item.fd)
                    if index == 0 { out = -1 } else { err = -1 }
                }
            }
        }
        return true
    }

    /// Waits for the child and returns its exit status (128 + signal if killed).
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    /// Kills the child's whole process group.
    func killGroup() {
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
    }

    deinit {
        if out >= 0 { close(out) }
        if err >= 0 { close(err) }
        if stdin >= 0 { close(stdin) }
    }
}

/// Calls `body` with a NULL-terminated C array of the given strings.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
