import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whole-file writes that readers never see half done: a temp file beside the target,
/// flushed, then renamed over it.
public enum AtomicFile {
    /// Writes `data` to `url` with permission bits `mode`.
    public static func write(_ data: Data, to url: URL, mode: mode_t = 0o600) throws {
        let dir = url.deletingLastPathComponent().path
        // Unique per call: two threads of one process may write the same file at once.
        let temp = "\(dir)/.\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("create", temp) }
        var ok = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        ok = ok && fchmod(fd, mode) == 0 && fsync(fd) == 0
        let code = errno
        close(fd)
        guard ok, rename(temp, url.path) == 0 else {
            let error = failure("write", url.path, code: ok ? errno : code)
            unlink(temp)
            throw error
        }
    }

    /// Creates `url` and its parents with permission bits `mode` (and tightens an existing one).
    public static func makeDirectory(_ url: URL, mode: mode_t = 0o700) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: Int(mode)])
        guard chmod(url.path, mode) == 0 else { throw failure("set permissions of", url.path) }
    }

    /// The error for a failed `verb` on `path`; a full filesystem says what to do (the file
    /// written before is untouched).
    private static func failure(_ verb: String, _ path: String, code: Int32 = errno) -> ClusterError {
        var message = "cannot \(verb) \(path): \(String(decoding: Data(bytes: strerror(code), count: strlen(strerror(code))), as: UTF8.self))"
        if code == ENOSPC || code == EDQUOT {
            message += "; the file as it was before is kept. Free space on that filesystem, then run the command again"
        }
        return ClusterError(message)
    }
}
