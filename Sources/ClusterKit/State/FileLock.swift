import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock on a file (`flock`), held until `release()` or deinit.
///
/// The holder's pid is written into the file so a waiting command can say who holds it.
///
/// `fd` is read and written under `guardLock` only, so any thread may release it.
public final class FileLock: @unchecked Sendable {
    private var fd: Int32
    private let guardLock = NSLock()

    private init(fd: Int32) { self.fd = fd }

    /// Takes the lock at `path`, waiting up to `timeout` seconds. `onWait` is called once,
    /// with the holder's pid if known, when the lock is busy.
    public static func acquire(at path: String, timeout: Double, onWait: (Int32?) -> Void = { _ in }) throws -> FileLock {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ClusterError("cannot open lock file \(path): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            onWait(holder(fd))
            let deadline = Deadline(seconds: timeout)
            let got = deadline.poll(every: 0.1) { flock(fd, LOCK_EX | LOCK_NB) == 0 ? true : nil }
            if got == nil {
                let who = holder(fd).map { " (held by pid \($0))" } ?? ""
                close(fd)
                throw ClusterError("another clusterctl command is working on this cluster\(who); try again when it has finished")
            }
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
        return FileLock(fd: fd)
    }

    private static func holder(_ fd: Int32) -> Int32? {
        var buffer = [CChar](repeating: 0, count: 32)
        let n = pread(fd, &buffer, 31, 0)
        guard n > 0 else { return nil }
        return Int32(String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Releases the lock; safe to call twice.
    public func release() {
        guardLock.withLock {
            guard fd >= 0 else { return }
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    deinit { release() }
}
