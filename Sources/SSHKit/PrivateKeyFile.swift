import Foundation

/// What can be told about a private key file without decrypting it: its algorithm, whether a
/// passphrase protects it and, for OpenSSH-format files, its public key. Used to explain
/// authentication failures and to find the public half of a key.
struct PrivateKeyFile {
    /// SSH name of the key type (`ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`), or nil if unknown.
    let keyType: String?
    let isEncrypted: Bool
    /// The public key blob (wire format, as in a `.pub` line's base64) from an `openssh-key-v1`
    /// file's header, which is never encrypted; nil for other formats.
    let publicKeyBlob: [UInt8]?

    var isRSA: Bool { keyType == "ssh-rsa" }

    /// Reads `path`; nil if it cannot be read.
    init?(path: String) {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        if let blob = Self.pemBody(text, label: OpenSSHKeyFormat.pemLabel) {
            let parsed = Self.parseOpenSSH(blob)
            keyType = parsed.keyType
            isEncrypted = parsed.encrypted
            publicKeyBlob = parsed.publicKey
            return
        }
        publicKeyBlob = nil
        if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
            keyType = "ssh-rsa"
            isEncrypted = text.contains("ENCRYPTED")
        } else if text.contains("-----BEGIN EC PRIVATE KEY-----") {
            keyType = "ecdsa-sha2"
            isEncrypted = text.contains("ENCRYPTED")
        } else {
            keyType = nil
            isEncrypted = text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        }
    }

    /// The base64-decoded body between `-----BEGIN label-----` and `-----END label-----`.
    private static func pemBody(_ text: String, label: String) -> [UInt8]? {
        guard let begin = text.range(of: "-----BEGIN \(label)-----"),
              let end = text.range(of: "-----END \(label)-----", range: begin.upperBound..<text.endIndex)
        else { return nil }
        let body = text[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        return Data(base64Encoded: String(body)).map { [UInt8]($0) }
    }

    /// openssh-key-v1: magic, cipher name, kdf name, kdf options, key count, then the first
    /// public key (unencrypted), whose first field is the key type.
    private static func parseOpenSSH(_ blob: [UInt8]) -> (keyType: String?, encrypted: Bool, publicKey: [UInt8]?) {
        var reader = SSHWireReader(blob)
        guard reader.skip(OpenSSHKeyFormat.magic),
              let cipher = reader.string(), reader.string() != nil, reader.string() != nil,
              reader.uint32() != nil, let publicKey = reader.bytes()
        else { return (nil, false, nil) }
        var keyReader = SSHWireReader(publicKey)
        return (keyReader.string(), cipher != "none", publicKey)
    }
}

/// Reads SSH wire-format fields (RFC 4251: uint32, length-prefixed strings).
struct SSHWireReader {
    private let data: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.data = bytes }

    mutating func skip(_ expected: [UInt8]) -> Bool {
        guard data.count - offset >= expected.count,
              Array(data[offset..<offset + expected.count]) == expected else { return false }
        offset += expected.count
        return true
    }

    mutating func uint32() -> UInt32? {
        guard data.count - offset >= 4 else { return nil }
        let value = data[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        offset += 4
        return value
    }

    mutating func bytes() -> [UInt8]? {
        guard let length = uint32(), data.count - offset >= Int(length) else { return nil }
        defer { offset += Int(length) }
        return Array(data[offset..<offset + Int(length)])
    }

    mutating func string() -> String? {
        bytes().map { String(decoding: $0, as: UTF8.self) }
    }
}
