import Foundation

/// Opening the TCP socket under an SSH session: resolve, connect with a deadline, tune.
enum TCPConnection {
    /// Connects to `host:port`, trying each resolved address until one answers before `deadline`.
    /// Returns a non-blocking socket with TCP_NODELAY and TCP keepalive set.
    static func open(host: String, port: Int, deadline: Deadline, endpoint: String) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw SSHError.failed(host: endpoint, step: .connect,
                                  message: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }

        var lastError = "no address"
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            cursor = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { lastError = String(cString: strerror(errno)); continue }
            do {
                try connect(fd, to: info.pointee, deadline: deadline, endpoint: endpoint)
                tune(fd)
                return fd
            } catch let error as SSHError {
                close(fd)
                if case .timedOut = error { throw error }
                lastError = error.reason
            }
        }
        throw SSHError.failed(host: endpoint, step: .connect, message: lastError)
    }

    private static func connect(_ fd: Int32, to info: addrinfo, deadline: Deadline, endpoint: String) throws {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        if Glibc.connect(fd, info.ai_addr, info.ai_addrlen) == 0 { return }
        guard errno == EINPROGRESS else { throw connectError(errno, endpoint) }
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        while true {
            let ready = poll(&pfd, 1, deadline.remainingMilliseconds(cap: 1000))
            if ready > 0 { break }
            if ready < 0 && errno != EINTR { throw connectError(errno, endpoint) }
            if deadline.hasPassed {
                throw SSHError.timedOut(host: endpoint, step: .connect, seconds: deadline.seconds,
                                        doing: "TCP connection (is the host up and the port open?)")
            }
        }
        var soError: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
        if soError != 0 { throw connectError(soError, endpoint) }
    }

    private static func connectError(_ code: Int32, _ endpoint: String) -> SSHError {
        let hint = code == ECONNREFUSED ? " (is sshd running and listening on that port?)" : ""
        return .failed(host: endpoint, step: .connect,
                       message: "TCP connection failed: \(String(cString: strerror(code)))\(hint)")
    }

    /// No Nagle delay for small SSH packets; kernel keepalive probes so a dead peer or a
    /// forgotten NAT entry surfaces as an error after about a minute instead of a hang.
    private static func tune(_ fd: Int32) {
        var on: Int32 = 1
        var idle: Int32 = 30, interval: Int32 = 10, count: Int32 = 3
        let size = socklen_t(MemoryLayout<Int32>.size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, size)
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, &interval, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, &count, size)
    }
}
