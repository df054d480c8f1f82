import Foundation

/// OpenSSH's key formats (OpenSSH's `PROTOCOL.key`): unencrypted `openssh-key-v1` private key
/// files and public key lines (`ssh-ed25519 AAAA... comment`).
enum OpenSSHKeyFormat {
    /// The PEM label of an `openssh-key-v1` file.
    static let pemLabel = "OPENSSH PRIVATE KEY"
    /// The bytes an `openssh-key-v1` blob starts with.
    static let magic = Array("openssh-key-v1\0".utf8)
    /// SSH name of the ed25519 key type.
    static let ed25519 = "ssh-ed25519"
    /// The unencrypted private section is padded to a multiple of this (the "none" cipher's block).
    private static let blockSize = 8
    /// Base64 characters per line of the file, as `ssh-keygen` writes them.
    private static let lineWidth = 70

    /// The wire-format public key of an ed25519 key: its type name, then its 32 bytes.
    static func ed25519PublicBlob(_ publicKey: [UInt8]) -> [UInt8] {
        var blob = SSHWireWriter()
        blob.append(string: ed25519)
        blob.append(bytes: publicKey)
        return blob.data
    }

    /// A public key line, `type base64-blob comment` (no comment part when `comment` is empty).
    static func publicLine(type: String, blob: [UInt8], comment: String) -> String {
        let line = type + " " + Data(blob).base64EncodedString()
        return comment.isEmpty ? line : line + " " + comment
    }

    /// An unencrypted `openssh-key-v1` file (cipher and kdf `none`) holding one ed25519 key:
    /// the public blob in the header; then the private section with `checkInt` twice, the type,
    /// the public key, seed||public key and the comment, padded with 1, 2, 3, ...
    static func ed25519PrivateKeyFile(seed: [UInt8], publicKey: [UInt8], comment: String, checkInt: UInt32) -> String {
        var secret = SSHWireWriter()
        secret.append(uint32: checkInt)
        secret.append(uint32: checkInt)
        secret.append(string: ed25519)
        secret.append(bytes: publicKey)
        secret.append(bytes: seed + publicKey)
        secret.append(string: comment)
        let padding = (blockSize - secret.data.count % blockSize) % blockSize
        secret.append(raw: (0..<padding).map { UInt8($0 + 1) })

        var file = SSHWireWriter()
        file.append(raw: magic)
        file.append(string: "none")
        file.append(string: "none")
        file.append(bytes: [])
        file.append(uint32: 1)
        file.append(bytes: ed25519PublicBlob(publicKey))
        file.append(bytes: secret.data)
        return pem(file.data)
    }

    /// `bytes` in base64 lines of ``lineWidth`` between the BEGIN and END lines of ``pemLabel``.
    private static func pem(_ bytes: [UInt8]) -> String {
        let base64 = Array(Data(bytes).base64EncodedString())
        let lines = stride(from: 0, to: base64.count, by: lineWidth).map {
            String(base64[$0..<min($0 + lineWidth, base64.count)])
        }
        return "-----BEGIN \(pemLabel)-----\n" + lines.joined(separator: "\n") + "\n-----END \(pemLabel)-----\n"
    }
}
