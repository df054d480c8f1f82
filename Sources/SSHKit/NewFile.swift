import Foundation

/// Creates a file that must not exist yet, all at once.
///
/// The bytes go to a temporary file beside `path`, created with `mode` (exactly, whatever the
/// umask) and synced; it is then hard-linked to `path`. `link(2)` fails when `path` exists, so
/// nothing is overwritten and no reader ever sees a partly written file.
enum NewFile {
    /// - Throws: ``SSHKeyError/fileExists(path:)`` or ``SSHKeyError/cannotWrite(path:reason:)``.
    static func create(_ bytes: [UInt8], at path: String, mode: mode_t) throws {
        let temporary = path + ".tmp-" + UUID().uuidString
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SSHKeyError.cannotWrite(path: path, reason: lastError()) }
        defer { unlink(temporary) }
        let written = fchmod(fd, mode) == 0 && writeAll(bytes, to: fd) && fsync(fd) == 0
        let failure = written ? nil : lastError()
        close(fd)
        if let failure { throw SSHKeyError.cannotWrite(path: path, reason: failure) }
        guard link(temporary, path) == 0 else {
            if errno == EEXIST { throw SSHKeyError.fileExists(path: path) }
            throw SSHKeyError.cannotWrite(path: path, reason: lastError())
        }
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
