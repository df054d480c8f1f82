import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Checks and picks TCP ports on this machine.
public enum PortProbe {
    /// True if a listener could bind `host:port` now (with SO_REUSEADDR, as Dask binds).
    public static func isFree(host: String, port: Int) -> Bool {
        bind(host: host, port: port) != nil
    }

    /// A port the kernel considers free on `host`.
    public static func freePort(host: String) throws -> Int {
        guard let port = bind(host: host, port: 0) else {
            throw ClusterError("cannot find a free port on \(host): \(String(cString: strerror(errno)))")
        }
        return port
    }

    /// Binds and closes a socket; returns the bound port, or nil if binding failed.
    private static func bind(host: String, port: Int) -> Int? {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list else { return nil }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard Glibc.bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else { return nil }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let got = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard got == 0 else { return nil }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer -> Int in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }
}
