import Foundation

/// Idle libcurl handles kept for reuse, most recently used first. A handle is used by one
/// thread at a time: it is either in the pool or checked out by exactly one caller.
final class CurlHandlePool: @unchecked Sendable {
    private let maxIdle: Int
    private let lock = NSLock()
    private var idle: [CurlEasyHandle] = []

    init(maxIdle: Int) {
        self.maxIdle = max(0, maxIdle)
    }

    func checkOut() throws -> CurlEasyHandle {
        let reused: CurlEasyHandle? = lock.withLock { idle.popLast() }
        return try reused ?? CurlEasyHandle()
    }

    /// Keeps `handle` for the next caller, or drops it (closing its connections) when the
    /// pool is full.
    func checkIn(_ handle: CurlEasyHandle) {
        lock.withLock {
            if idle.count < maxIdle { idle.append(handle) }
        }
    }
}
