import CLibSSH2
import Foundation

/// Checks the key a server presents against OpenSSH known_hosts files, and records it
/// under `accept-new`. Lives only while a session is being established.
///
/// Hosts are looked up by the name OpenSSH uses (`host`, or `[host]:port` off port 22),
/// in plain and hashed (`|1|salt|hash`) entries alike, and only among entries of the
/// presented key's type, so a host known by its ed25519 key is not "changed" when it
/// also has an RSA key.
final class HostKeyVerifier {
    private let session: OpaquePointer
    private let configuration: SSHConfiguration
    /// One libssh2 collection per file, so a mismatch can name the file that holds it.
    private var files: [(path: String, hosts: OpaquePointer)] = []

    init(session: OpaquePointer, configuration: SSHConfiguration) throws {
        self.session = session
        self.configuration = configuration
        for path in configuration.hostKeys.allFiles {
            guard let hosts = libssh2_knownhost_init(session) else {
                throw SSHError.failed(host: configuration.endpoint, step: .hostKey,
                                      message: "libssh2 could not allocate a known_hosts collection")
            }
            files.append((path, hosts))
            Self.load(path, into: hosts)
        }
    }

    deinit {
        files.forEach { libssh2_knownhost_free($0.hosts) }
    }

    /// Asks the server for key types already known for this host first, as OpenSSH does;
    /// otherwise libssh2 might pick a type that has no entry and call a known host unknown.
    func preferKnownKeyTypes() {
        let known = HostKeyType.all.filter { type in
            files.contains { file in
                // A dummy key never matches: MISMATCH means an entry of this type exists.
                libssh2_knownhost_check(file.hosts, configuration.knownHostsName, "AAAA", 4,
                                        LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_BASE64
                                            | type.knownHostBits, nil) == LIBSSH2_KNOWNHOST_CHECK_MISMATCH
            }
        }
        let order = known + HostKeyType.all.filter { !known.contains($0) }
        _ = libssh2_session_method_pref(session, LIBSSH2_METHOD_HOSTKEY,
                                        order.map(\.sshName).joined(separator: ","))
    }

    /// Verifies the presented key after the handshake and returns its fingerprint.
    /// Throws `hostKeyChanged` for any mismatch, `unknownHostKey` for an unknown host under
    /// `strict`; under `accept-new` an unknown key is appended to the record file.
    func verify() throws -> String {
        let endpoint = configuration.endpoint
        var length = 0
        var sessionType: Int32 = 0
        guard let keyPointer = libssh2_session_hostkey(session, &length, &sessionType) else {
            throw SSHError.failed(host: endpoint, step: .hostKey, message: "the server sent no host key")
        }
        let key = [UInt8](UnsafeRawBufferPointer(start: keyPointer, count: length))
        guard let type = HostKeyType.forSession(type: sessionType) else {
            throw SSHError.failed(host: endpoint, step: .hostKey,
                                  message: "the server's host key type is not supported by libssh2")
        }
        let fingerprint = Fingerprint.sha256(key)
        let name = configuration.knownHostsName
        var matched = false
        for file in files {
            var found: UnsafeMutablePointer<libssh2_knownhost>?
            let result = key.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    libssh2_knownhost_check(file.hosts, name, $0.baseAddress, $0.count,
                                            LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW
                                                | type.knownHostBits, &found)
                }
            }
            switch result {
            case LIBSSH2_KNOWNHOST_CHECK_MATCH:
                matched = true
            case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
                let knownBlob = found.flatMap { $0.pointee.key }
                    .flatMap { Data(base64Encoded: String(cString: $0)) }.map { [UInt8]($0) }
                throw SSHError.hostKeyChanged(host: endpoint,
                                              knownFingerprint: knownBlob.map(Fingerprint.sha256) ?? "(unreadable)",
                                              presentedFingerprint: fingerprint, keyType: type.display,
                                              file: file.path, name: name)
            default:
                continue
            }
        }
        if matched { return fingerprint }
        let check = configuration.hostKeys
        switch check.policy {
        case .strict:
            let portFlag = configuration.port == 22 ? "" : "-p \(configuration.port) "
            throw SSHError.unknownHostKey(host: endpoint, fingerprint: fingerprint, keyType: type.display,
                                          recordFile: check.recordFile,
                                          keyscanCommand: "ssh-keyscan -t \(type.sshName) \(portFlag)\(configuration.host)")
        case .acceptNew:
            try record(key: key, type: type)
            return fingerprint
        }
    }

    /// Appends `name type base64key` to the record file (0600, directory 0700 if new).
    /// One `write` with O_APPEND, so parallel connections never interleave lines.
    private func record(key: [UInt8], type: HostKeyType) throws {
        let path = configuration.hostKeys.recordFile
        let line = "\(configuration.knownHostsName) \(type.sshName) \(Data(key).base64EncodedString())\n"
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o700])
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        let bytes = Array(line.utf8)
        let written = fd < 0 ? -1 : write(fd, bytes, bytes.count)
        let failure = errno
        if fd >= 0 { close(fd) }
        guard written == bytes.count else {
            throw SSHError.failed(host: configuration.endpoint, step: .hostKey,
                                  message: "could not record the host key in \(path): \(String(cString: strerror(failure)))")
        }
    }

    /// Feeds every usable line of `path` to libssh2. Unparsable lines and `@cert-authority`
    /// or `@revoked` markers (which libssh2 cannot honour) are skipped; a missing file is empty.
    private static func load(_ path: String, into hosts: OpaquePointer) {
        guard let data = FileManager.default.contents(atPath: path) else { return }
        for rawLine in data.split(separator: UInt8(ascii: "\n")) {
            var line = [UInt8](rawLine)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            guard let first = line.first(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }),
                  first != UInt8(ascii: "#"), first != UInt8(ascii: "@") else { continue }
            line.append(0)
            _ = line.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    libssh2_knownhost_readline(hosts, $0.baseAddress, $0.count - 1, LIBSSH2_KNOWNHOST_FILE_OPENSSH)
                }
            }
        }
    }
}
