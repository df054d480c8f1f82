import CLibSSH2
import Foundation
import OpenSSLKit

/// One authenticated SSH connection to one host, owning the socket, the libssh2 session and
/// everything opened on it (exec channels, the SFTP subsystem, forwarded connections).
///
/// Safe to use from several threads at once: libssh2 itself is not thread-safe, so every
/// libssh2 call runs under one lock, while waiting for the network happens outside it.
/// An exec, an upload and any number of forwarded connections can therefore be in flight
/// on one session around the same time.
public final class SSHSession: @unchecked Sendable {
    /// What this session was opened with.
    public let configuration: SSHConfiguration
    /// OpenSSH-style fingerprint (`SHA256:...`) of the host key the server presented.
    public private(set) var hostKeyFingerprint = ""

    let raw: OpaquePointer
    let socket: Int32
    /// Guards every use of `raw`, `sftp` and the channels, and `state`.
    let lock = NSLock()
    /// Serialises SFTP requests: libssh2 keeps one request in flight per SFTP handle.
    let sftpLock = NSLock()
    /// Lets one channel set-up at a time be in flight (see `openChannel`). Taken before `lock`.
    private let channelSetupLock = NSLock()
    /// The SFTP subsystem, opened on first upload. Guarded by `lock`.
    var sftp: OpaquePointer?
    private var state = State.open
    private var operationsInFlight = 0
    private var forwards: [ObjectIdentifier: SSHPortForward] = [:]

    private enum State { case open, broken(String), closed }

    /// Opens a TCP connection, runs the SSH handshake, checks the host key against the
    /// known_hosts files and authenticates, all within `configuration.connectTimeout`.
    public static func connect(_ configuration: SSHConfiguration) throws -> SSHSession {
        _ = libraryReady
        let deadline = Deadline(seconds: configuration.connectTimeout)
        let endpoint = configuration.endpoint
        let fd = try TCPConnection.open(host: configuration.host, port: configuration.port,
                                        deadline: deadline, endpoint: endpoint)
        guard let raw = cssh_session_init() else {
            Glibc.close(fd)
            throw SSHError.failed(host: endpoint, step: .handshake, message: "libssh2 could not allocate a session")
        }
        libssh2_session_set_blocking(raw, 0)
        let session = SSHSession(configuration: configuration, raw: raw, socket: fd)
        do {
            try session.establish(deadline: deadline)
        } catch {
            session.close()
            throw error
        }
        return session
    }

    private init(configuration: SSHConfiguration, raw: OpaquePointer, socket: Int32) {
        self.configuration = configuration
        self.raw = raw
        self.socket = socket
    }

    /// Handshake, host key check and authentication, in that order.
    private func establish(deadline: Deadline) throws {
        let verifier = try HostKeyVerifier(session: raw, configuration: configuration)
        verifier.preferKnownKeyTypes()
        try call(.handshake, "SSH handshake", deadline: deadline) {
            Int(libssh2_session_handshake(raw, socket))
        }
        hostKeyFingerprint = try verifier.verify()
        try authenticate(deadline: deadline)
    }

    deinit { close() }

    /// `host:port`, as errors show it.
    public var endpoint: String { configuration.endpoint }

    /// False once the session was closed or its connection broke; open a new one then.
    public var isOpen: Bool {
        lock.lock()
        defer { lock.unlock() }
        if case .open = state { return true }
        return false
    }

    /// Closes every forward, channel and the connection. Operations still running on other
    /// threads fail. Calling it again does nothing.
    public func close() {
        lock.lock()
        let open = forwards.values
        forwards.removeAll()
        lock.unlock()
        open.forEach { $0.close() }

        lock.lock()
        defer { lock.unlock() }
        if case .closed = state { return }
        state = .closed
        // Blocking with a short timeout so the frees below finish instead of answering EAGAIN.
        libssh2_session_set_timeout(raw, 1000)
        libssh2_session_set_blocking(raw, 1)
        if let sftp { libssh2_sftp_shutdown(sftp) }
        sftp = nil
        _ = cssh_session_disconnect(raw, "clusterctl closing")
        // With the socket shut, freeing abandoned channels fails fast instead of waiting.
        shutdown(socket, Int32(SHUT_RDWR))
        libssh2_session_free(raw)
        Glibc.close(socket)
    }

    func register(_ forward: SSHPortForward) {
        lock.lock()
        forwards[ObjectIdentifier(forward)] = forward
        lock.unlock()
    }

    func unregister(_ forward: SSHPortForward) {
        lock.lock()
        forwards[ObjectIdentifier(forward)] = nil
        lock.unlock()
    }

    // MARK: - Running libssh2 calls

    /// Counts a long operation (exec, upload, forwarded connection) for the wait strategy:
    /// with several in flight, one thread's call may consume packets another waits for,
    /// so waits are cut into short slices.
    func beginOperation() {
        lock.lock()
        operationsInFlight += 1
        lock.unlock()
    }

    func endOperation() {
        lock.lock()
        operationsInFlight -= 1
        lock.unlock()
    }

    /// Runs `body` under the lock until it stops answering EAGAIN, waiting for the socket
    /// between attempts, and returns its non-negative result.
    ///
    /// A half-sent packet (libssh2 reports OUTBOUND) keeps the lock until it is flushed:
    /// any other call would otherwise fail with LIBSSH2_ERROR_BAD_USE.
    /// - Parameters:
    ///   - failure: maps a libssh2 error code and message to the error to throw;
    ///     runs under the lock, so it may ask libssh2 for more detail.
    ///   - stop: checked after every wait; when signalled, throws `Stopped`.
    ///   - waitForData: false returns EAGAIN instead of waiting when libssh2 has nothing
    ///     to do until data arrives (for callers that poll other sockets too).
    @discardableResult
    func call(_ step: SSHStep, _ doing: String, deadline: Deadline,
              failure: ((Int32, String) -> Error)? = nil, stop: SSHStopSignal? = nil,
              waitForData: Bool = true, _ body: () -> Int) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        while true {
            switch state {
            case .closed: throw SSHError.closed(host: endpoint, step: step, reason: "the session was closed")
            case .broken(let why): throw SSHError.closed(host: endpoint, step: step, reason: why)
            case .open: break
            }
            let rc = body()
            if rc >= 0 { return rc }
            if rc != Int(LIBSSH2_ERROR_EAGAIN) {
                let message = lastErrorMessage()
                if isFatal(Int32(rc)) { state = .broken("connection lost: \(message)") }
                throw failure?(Int32(rc), message)
                    ?? SSHError.failed(host: endpoint, step: step, message: "\(doing) failed: \(message)")
            }
            let directions = libssh2_session_block_directions(raw)
            if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 {
                let events = Int16(POLLOUT) | (directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0 ? Int16(POLLIN) : 0)
                waitForSocket(events: events, deadline: deadline, cap: 1000)
                if deadline.hasPassed {
                    state = .broken("a packet could not be sent within \(formatSeconds(deadline.seconds))")
                    throw SSHError.timedOut(host: endpoint, step: step, seconds: deadline.seconds, doing: doing)
                }
                continue
            }
            if !waitForData { return rc }
            let slice = sliceLocked
            lock.unlock()
            waitForSocket(events: Int16(POLLIN), deadline: deadline, cap: slice)
            lock.lock()
            if stop?.isStopped == true { throw Stopped() }
            if deadline.hasPassed {
                throw SSHError.timedOut(host: endpoint, step: step, seconds: deadline.seconds, doing: doing)
            }
        }
    }

    /// Thrown by `call` when its stop signal fires.
    struct Stopped: Error {}

    /// `call` for libssh2 functions that return a pointer, NULL meaning "see last errno".
    func callPointer(_ step: SSHStep, _ doing: String, deadline: Deadline,
                     failure: ((Int32, String) -> Error)? = nil,
                     _ body: () -> OpaquePointer?) throws -> OpaquePointer {
        var result: OpaquePointer?
        try call(step, doing, deadline: deadline, failure: failure) {
            result = body()
            return result == nil ? Int(libssh2_session_last_errno(raw)) : 0
        }
        return result!
    }

    /// Opens a channel with `body` (a libssh2 call that opens one: a command's, a forwarded
    /// connection's, the SFTP subsystem's), then runs `prepare` on it (a request that waits for
    /// the server's answer, such as `exec`), one set-up at a time per session.
    ///
    /// libssh2 1.10 cannot tell apart two set-ups waiting at once:
    /// - The state of an open in progress lives in the session, not in the call: an open started
    ///   on another thread while the first waits for the server's reply finishes the first one
    ///   instead and is handed its channel (a command's `session` channel where a forwarded
    ///   connection asked for `direct-tcpip`).
    /// - A channel waiting for the answer to its request gives up ("Failed waiting for channel
    ///   success") when it reads the answer meant for another channel's request, which happens
    ///   whenever the network takes longer than the two requests take to send.
    ///
    /// If `prepare` throws, the channel is abandoned.
    func openChannel(_ step: SSHStep, _ doing: String, deadline: Deadline,
                     failure: ((Int32, String) -> Error)? = nil,
                     _ body: () -> OpaquePointer?,
                     prepare: ((OpaquePointer) throws -> Void)? = nil) throws -> OpaquePointer {
        channelSetupLock.lock()
        defer { channelSetupLock.unlock() }
        let channel = try callPointer(step, doing, deadline: deadline, failure: failure, body)
        do {
            try prepare?(channel)
        } catch {
            abandon(channel)
            throw error
        }
        return channel
    }

    /// Runs `body` under the lock if the session is still open (for frees and flags).
    func withLockIfOpen(_ body: () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        if case .closed = state { return }
        body()
    }

    /// Waits up to `cap` ms (and never past `deadline`) for `events` on the session's socket
    /// or for any of `others` to become ready.
    func waitForSocket(events: Int16, deadline: Deadline, cap: Int32, others: [pollfd] = []) {
        var fds = [pollfd(fd: socket, events: events, revents: 0)] + others
        _ = poll(&fds, nfds_t(fds.count), deadline.remainingMilliseconds(cap: cap))
    }

    /// The slice a waiting forwarder should use, from the number of operations in flight.
    var waitSlice: Int32 {
        lock.lock()
        defer { lock.unlock() }
        return sliceLocked
    }

    private var sliceLocked: Int32 { operationsInFlight > 1 ? 5 : 250 }

    private func lastErrorMessage() -> String {
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        libssh2_session_last_error(raw, &message, &length, 0)
        return message.map { String(cString: $0) } ?? "unknown libssh2 error"
    }

    private func isFatal(_ code: Int32) -> Bool {
        [LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_DISCONNECT,
         LIBSSH2_ERROR_SOCKET_TIMEOUT, LIBSSH2_ERROR_BAD_USE, LIBSSH2_ERROR_DECRYPT,
         LIBSSH2_ERROR_INVALID_MAC, LIBSSH2_ERROR_KEX_FAILURE, LIBSSH2_ERROR_PROTO].contains(code)
    }

    /// libssh2 set up once, with OpenSSL kept until exit (see `Crypto.keepLoadedUntilExit`).
    private static let libraryReady: Void = {
        Crypto.keepLoadedUntilExit
        _ = libssh2_init(0)
    }()
}
