import Foundation

extension SSHKeyPair {
    /// The public key line (`ssh-ed25519 AAAA... comment`) of the private key file at `path`
    /// that the user named, to import it where hosts will authorize it (EC2 key pairs).
    ///
    /// It comes from `path.pub` when that exists (first non-comment line, checked against the
    /// private key's header when that carries one), else from the header of an `openssh-key-v1`
    /// file, which is never encrypted (that line has no comment).
    /// - Throws: ``SSHKeyError/cannotRead(path:)`` when `path` is unreadable;
    ///   ``SSHKeyError/noPublicKey(path:)`` for another format without `path.pub`;
    ///   ``SSHKeyError/malformedPublicKey(path:)`` or ``SSHKeyError/publicKeyMismatch(path:)``
    ///   for a bad `path.pub`.
    public static func publicKeyLine(ofPrivateKeyAt path: String) throws -> String {
        guard let privateKey = PrivateKeyFile(path: path) else { throw SSHKeyError.cannotRead(path: path) }
        if let pubFile = FileManager.default.contents(atPath: path + ".pub") {
            guard let line = PublicKeyLine(String(decoding: pubFile, as: UTF8.self)) else {
                throw SSHKeyError.malformedPublicKey(path: path)
            }
            if let header = privateKey.publicKeyBlob, header != line.blob {
                throw SSHKeyError.publicKeyMismatch(path: path)
            }
            return line.text
        }
        guard let blob = privateKey.publicKeyBlob, let type = privateKey.keyType else {
            throw SSHKeyError.noPublicKey(path: path)
        }
        return OpenSSHKeyFormat.publicLine(type: type, blob: blob, comment: "")
    }
}

/// The first public key line of a `.pub` file: `type base64 [comment]`, where the base64
/// decodes to a blob that starts with the same type.
private struct PublicKeyLine {
    /// The line, trimmed.
    let text: String
    let blob: [UInt8]

    init?(_ file: String) {
        let lines = file.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let line = lines.first(where: { !$0.isEmpty && !$0.hasPrefix("#") }) else { return nil }
        let fields = line.split(maxSplits: 2, whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 2, let data = Data(base64Encoded: String(fields[1])) else { return nil }
        var reader = SSHWireReader([UInt8](data))
        guard reader.string() == String(fields[0]) else { return nil }
        text = line
        blob = [UInt8](data)
    }
}
