import CLibSSH2
import Foundation

extension SSHSession {
    /// Writes `contents` to `path` on the host with permission bits `mode`, atomically:
    /// the bytes go over SFTP into a new temporary file beside `path`, which is then renamed
    /// over it, so readers see the old file or the new one, never a part.
    ///
    /// A missing parent directory is an error unless `createDirectories` is true, in which
    /// case it is made with `mkdir -p` and the upload retried. The rename runs as `mv -f`
    /// over exec because libssh2 1.10 lacks OpenSSH's posix-rename extension and plain SFTP
    /// rename refuses to replace a file.
    ///
    /// If the connection is lost, throws `SSHError.closed`: `path` then holds either its old
    /// contents or the new ones, and uploading again on a new session is safe.
    public func upload(_ contents: Data, to path: String, mode: Int, createDirectories: Bool = false,
                       timeout: Double = 120) throws {
        do {
            try replace(path, with: contents, mode: mode, createDirectories: createDirectories, timeout: timeout)
        } catch let error as SSHError where !isOpen {
            if case .closed = error { throw error }
            // Lost mid-way: `path` is either untouched or complete, so trying again is safe.
            throw SSHError.closed(host: endpoint, step: .sftp, reason: error.reason)
        }
    }

    private func replace(_ path: String, with contents: Data, mode: Int, createDirectories: Bool,
                         timeout: Double) throws {
        let deadline = Deadline(seconds: timeout)
        let temporary = Self.temporaryPath(beside: path)
        beginOperation()
        defer { endOperation() }
        do {
            try writeTemporary(contents, to: temporary, mode: mode, flagMissingDirectory: createDirectories,
                               deadline: deadline)
        } catch is MissingDirectory {
            let directory = (path as NSString).deletingLastPathComponent
            let made = try execute("mkdir -p -- \(shellQuoted(directory))", timeout: max(1, deadline.remainingSeconds))
            guard made.exitStatus == 0 else {
                throw SSHError.failed(host: endpoint, step: .sftp,
                                      message: "could not create \(directory): \(made.stderrText)")
            }
            try writeTemporary(contents, to: temporary, mode: mode, flagMissingDirectory: false, deadline: deadline)
        }
        let rename = "mv -f -- \(shellQuoted(temporary)) \(shellQuoted(path))"
        let result = try execute(rename, timeout: max(1, deadline.remainingSeconds))
        guard result.exitStatus == 0 else {
            try? sftpLock.withLock { removeQuietly(temporary, sftp: try sftpSubsystem(deadline: Deadline(seconds: 2))) }
            throw SSHError.failed(host: endpoint, step: .sftp,
                                  message: "could not move the uploaded file onto \(path): \(result.stderrText)")
        }
    }

    /// Thrown instead of the SFTP error when the directory is missing and the caller may make it.
    private struct MissingDirectory: Error {}

    /// Creates `temporary` (which must not exist), writes `contents`, sets `mode`, closes it.
    private func writeTemporary(_ contents: Data, to temporary: String, mode: Int, flagMissingDirectory: Bool,
                                deadline: Deadline) throws {
        try sftpLock.withLock {
            let sftp = try sftpSubsystem(deadline: deadline)
            let failure = sftpFailure(sftp, path: temporary)
            let handle = try callPointer(.sftp, "creating \(temporary)", deadline: deadline, failure: { code, message in
                if flagMissingDirectory, code == LIBSSH2_ERROR_SFTP_PROTOCOL,
                   [LIBSSH2_FX_NO_SUCH_FILE, LIBSSH2_FX_NO_SUCH_PATH].contains(libssh2_sftp_last_error(sftp)) {
                    return MissingDirectory()
                }
                return failure(code, message)
            }) {
                cssh_sftp_create_exclusive(sftp, temporary, mode & 0o7777)
            }
            do {
                try write(contents, to: handle, path: temporary, sftp: sftp, deadline: deadline)
                try call(.sftp, "setting the mode of \(temporary)", deadline: deadline, failure: failure) {
                    Int(cssh_sftp_fchmod(handle, UInt(mode & 0o7777)))
                }
            } catch {
                _ = try? call(.sftp, "closing \(temporary)", deadline: Deadline(seconds: 2)) {
                    Int(cssh_sftp_close(handle))
                }
                removeQuietly(temporary, sftp: sftp)
                throw error
            }
            try call(.sftp, "closing \(temporary)", deadline: deadline, failure: failure) {
                Int(cssh_sftp_close(handle))
            }
        }
    }

    private func write(_ contents: Data, to handle: OpaquePointer, path: String, sftp: OpaquePointer,
                       deadline: Deadline) throws {
        var offset = 0
        while offset < contents.count {
            let written = try call(.sftp, "writing \(path)", deadline: deadline,
                                   failure: sftpFailure(sftp, path: path)) {
                contents.withUnsafeBytes { bytes in
                    let start = bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self)
                    return libssh2_sftp_write(handle, start, contents.count - offset)
                }
            }
            offset += written
        }
    }

    /// The SFTP subsystem of this session, started on first use. Call with `sftpLock` held.
    private func sftpSubsystem(deadline: Deadline) throws -> OpaquePointer {
        var existing: OpaquePointer?
        withLockIfOpen { existing = sftp }
        if let existing { return existing }
        let started = try openChannel(.sftp, "starting the SFTP subsystem", deadline: deadline,
                                      failure: { _, message in
            SSHError.failed(host: self.endpoint, step: .sftp,
                            message: "the host refused SFTP (\(message)); sshd_config needs a `Subsystem sftp` line")
        }) {
            libssh2_sftp_init(raw)
        }
        withLockIfOpen { sftp = started }
        return started
    }

    /// Describes an SFTP failure by the server's status code. Runs under the session lock.
    private func sftpFailure(_ sftp: OpaquePointer, path: String) -> (Int32, String) -> Error {
        { code, message in
            guard code == LIBSSH2_ERROR_SFTP_PROTOCOL else {
                return SSHError.failed(host: self.endpoint, step: .sftp, message: "\(path): \(message)")
            }
            let status = libssh2_sftp_last_error(sftp)
            let meaning: String
            switch status {
            case LIBSSH2_FX_NO_SUCH_FILE, LIBSSH2_FX_NO_SUCH_PATH:
                meaning = "its directory does not exist (create it first)"
            case LIBSSH2_FX_PERMISSION_DENIED: meaning = "permission denied"
            case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM, LIBSSH2_FX_QUOTA_EXCEEDED: meaning = "no space left"
            default: meaning = "SFTP status \(status)"
            }
            return SSHError.failed(host: self.endpoint, step: .sftp, message: "\(path): \(meaning)")
        }
    }

    private func removeQuietly(_ path: String, sftp: OpaquePointer) {
        _ = try? call(.sftp, "removing \(path)", deadline: Deadline(seconds: 2)) {
            Int(cssh_sftp_unlink(sftp, path))
        }
    }

    private static func temporaryPath(beside path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let temporary = ".\(name).clusterctl-\(suffix)"
        return directory.isEmpty ? temporary : (directory as NSString).appendingPathComponent(temporary)
    }
}

/// `value` in single quotes for a POSIX shell, embedded single quotes escaped.
func shellQuoted(_ value: String) -> String {
    "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
