import CLibSSH2
import Foundation

/// A port on 127.0.0.1 of this machine whose connections are carried through an SSH session
/// (direct-tcpip) to `remoteHost:remotePort` as seen from the server. Open until `close()`
/// or until its session closes.
///
/// Each accepted connection gets its own channel and a thread that pumps bytes both ways.
/// `closed` and `failure` are read and written under `lock` only; the sockets are set once.
public final class SSHPortForward: @unchecked Sendable {
    /// The local port to connect to.
    public let localPort: Int
    public let remoteHost: String
    public let remotePort: Int

    private let session: SSHSession
    private let listener: Int32
    /// Written to once by `close()`; every thread polls it so it wakes at once.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let threads = DispatchGroup()
    private let lock = NSLock()
    private var closed = false
    private var failure: SSHError?

    /// The last failure to open a channel for a connection (the connection was then dropped),
    /// e.g. nothing listening at the remote end.
    public var lastError: SSHError? {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }

    init(session: SSHSession, remoteHost: String, remotePort: Int, localPort: Int) throws {
        self.session = session
        self.remoteHost = remoteHost
        self.remotePort = remotePort
        let endpoint = session.endpoint
        func fail(_ what: String) -> SSHError {
            .failed(host: endpoint, step: .forward, message: "\(what): \(String(cString: strerror(errno)))")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw fail("cannot create a local socket") }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(localPort).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 32) == 0 else {
            let error = fail("cannot listen on 127.0.0.1:\(localPort)")
            Glibc.close(fd)
            throw error
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            let error = fail("cannot create a pipe")
            Glibc.close(fd)
            throw error
        }
        for end in pipeEnds {
            _ = fcntl(end, F_SETFL, O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        self.listener = fd
        self.localPort = Int(UInt16(bigEndian: address.sin_port))
        self.wakeRead = pipeEnds[0]
        self.wakeWrite = pipeEnds[1]
        startThread { $0.acceptLoop() }
    }

    deinit { close() }

    /// Stops listening, ends every forwarded connection and waits (up to 5 s) for their threads.
    public func close() {
        lock.lock()
        let wasClosed = closed
        closed = true
        lock.unlock()
        guard !wasClosed else { return }
        _ = write(wakeWrite, [UInt8(1)], 1)
        _ = threads.wait(timeout: .now() + 5)
        session.unregister(self)
        Glibc.close(listener)
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
    }

    /// False once closed, or once its session is gone (the connection broke): a connection
    /// made to it now fails, so its owner should open a new forward.
    public var isOpen: Bool { !isClosed && session.isOpen }

    private var isClosed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return closed
    }

    private func startThread(_ body: @escaping @Sendable (SSHPortForward) -> Void) {
        threads.enter()
        let thread = Thread { [self] in
            body(self)
            threads.leave()
        }
        thread.name = "ssh-forward-\(localPort)"
        thread.start()
    }

    private func acceptLoop() {
        while !isClosed {
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 2, -1)
            guard !isClosed else { return }
            let client = accept(listener, nil, nil)
            if client >= 0 {
                startThread { $0.carry(client) }
            }
        }
    }

    /// Pumps one accepted connection through a new direct-tcpip channel until either side ends.
    private func carry(_ client: Int32) {
        defer { Glibc.close(client) }
        _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
        var on: Int32 = 1
        setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        session.beginOperation()
        defer { session.endOperation() }
        let channel: OpaquePointer
        do {
            channel = try session.openChannel(.forward, "opening a channel to \(remoteHost):\(remotePort)",
                                              deadline: Deadline(seconds: 15)) {
                cssh_channel_direct_tcpip(session.raw, remoteHost, Int32(remotePort), Int32(localPort))
            }
        } catch {
            lock.lock()
            failure = error as? SSHError
            lock.unlock()
            return
        }
        defer { session.abandon(channel) }
        do {
            var pump = ForwardPump(session: session, channel: channel, client: client)
            while !isClosed, try pump.step(wake: wakeRead) {}
        } catch {
            lock.lock()
            failure = error as? SSHError
            lock.unlock()
        }
    }
}

/// Moves bytes between one local socket and one channel, without blocking on either.
private struct ForwardPump {
    let session: SSHSession
    let channel: OpaquePointer
    let client: Int32
    private var toChannel: [UInt8] = []
    private var toClient: [UInt8] = []
    private var clientDone = false
    private var channelDone = false
    private var eofSent = false
    private var clientShut = false
    private var buffer = [UInt8](repeating: 0, count: 32 * 1024)

    init(session: SSHSession, channel: OpaquePointer, client: Int32) {
        self.session = session
        self.channel = channel
        self.client = client
    }

    /// Moves what it can; waits briefly if nothing moved. False once both directions ended.
    mutating func step(wake: Int32) throws -> Bool {
        var moved = try readClient()
        moved = try writeChannel() || moved
        moved = try readChannel() || moved
        moved = try writeClient() || moved
        if clientDone && channelDone && toClient.isEmpty && toChannel.isEmpty { return false }
        if !moved {
            var clientEvents: Int16 = 0
            if toChannel.isEmpty && !clientDone { clientEvents |= Int16(POLLIN) }
            if !toClient.isEmpty { clientEvents |= Int16(POLLOUT) }
            session.waitForSocket(events: Int16(POLLIN), deadline: .never, cap: session.waitSlice, others: [
                pollfd(fd: client, events: clientEvents, revents: 0),
                pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
            ])
        }
        return true
    }

    private mutating func readClient() throws -> Bool {
        guard toChannel.isEmpty, !clientDone else { return false }
        let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            toChannel = Array(buffer[0..<count])
            return true
        }
        if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return false }
        clientDone = true  // EOF or a reset: nothing more will come from the client
        return true
    }

    private mutating func writeChannel() throws -> Bool {
        if !toChannel.isEmpty {
            let pending = toChannel
            let written = try session.call(.forward, "sending to the channel", deadline: Deadline(seconds: 30),
                                           waitForData: false) {
                pending.withUnsafeBytes {
                    cssh_channel_write(channel, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
                }
            }
            guard written > 0 else { return false }
            toChannel.removeFirst(written)
            return true
        }
        // The client finished sending: pass its EOF on, unless the remote end already ended.
        guard clientDone, !eofSent, !channelDone else { return false }
        let rc = try? session.call(.forward, "sending EOF to the channel", deadline: Deadline(seconds: 30),
                                   waitForData: false) { Int(libssh2_channel_send_eof(channel)) }
        eofSent = rc != Int(LIBSSH2_ERROR_EAGAIN)
        return eofSent
    }

    private mutating func readChannel() throws -> Bool {
        guard toClient.isEmpty, !channelDone else { return false }
        let count = try session.call(.forward, "reading from the channel", deadline: Deadline(seconds: 30),
                                     waitForData: false) {
            buffer.withUnsafeMutableBytes {
                cssh_channel_read(channel, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
            }
        }
        if count > 0 {
            toClient = Array(buffer[0..<count])
            return true
        }
        var atEnd = false
        session.withLockIfOpen { atEnd = libssh2_channel_eof(channel) != 0 }
        guard atEnd else { return false }
        channelDone = true
        return true
    }

    private mutating func writeClient() throws -> Bool {
        if toClient.isEmpty {
            if channelDone && !clientShut {
                shutdown(client, Int32(SHUT_WR))  // the client reads EOF, as from a direct connection
                clientShut = true
            }
            return false
        }
        let count = toClient.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if count > 0 {
            toClient.removeFirst(count)
            return true
        }
        if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return false }
        // The client went away: drop what the remote still sends and finish.
        toClient.removeAll()
        clientDone = true
        channelDone = true
        return true
    }
}

extension SSHSession {
    /// Listens on 127.0.0.1:`localPort` (0: a free port) and carries every connection made
    /// to it through this session to `remoteHost:remotePort` as seen from the server,
    /// e.g. `127.0.0.1:8787` for a service listening only on the host's loopback.
    public func forwardLocalPort(to remoteHost: String, port remotePort: Int,
                                 localPort: Int = 0) throws -> SSHPortForward {
        guard isOpen else { throw SSHError.closed(host: endpoint, step: .forward, reason: "the session is closed") }
        let forward = try SSHPortForward(session: self, remoteHost: remoteHost, remotePort: remotePort,
                                         localPort: localPort)
        register(forward)
        return forward
    }
}
