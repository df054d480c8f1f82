import COpenSSL
import Foundation

/// SHA-256 and HMAC-SHA256 on OpenSSL libcrypto.
///
/// Digests live here; keys and certificates in `Ed25519KeyPair` and `CertificateAuthority`. It allocates no context that
/// outlives a call, and only Swift values (`[UInt8]`, `String`) leave it.
public enum Crypto {
    /// Length in bytes of a SHA-256 digest.
    public static let sha256Length = 32

    /// The SHA-256 digest of `data`.
    public static func sha256<Bytes: ContiguousBytes>(_ data: Bytes) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: sha256Length)
        var length: UInt32 = 0
        let ok = data.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, EVP_sha256(), nil) == 1
        }
        precondition(ok && Int(length) == sha256Length, "OpenSSL SHA-256 failed")
        return digest
    }

    /// Keeps OpenSSL set up until the process is gone: a connection a background thread is
    /// still closing must not find its crypto torn down by the exit handlers.
    public static let keepLoadedUntilExit: Void = {
        _ = OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil)
    }()

    /// The SHA-256 digest of `data` as lowercase hexadecimal.
    public static func sha256Hex<Bytes: ContiguousBytes>(_ data: Bytes) -> String {
        hex(sha256(data))
    }

    /// The SHA-256 digest of the UTF-8 bytes of `text` as lowercase hexadecimal.
    public static func sha256Hex(_ text: String) -> String {
        hex(sha256(Array(text.utf8)))
    }

    /// HMAC-SHA256 of `message` under `key`.
    public static func hmacSHA256<Key: ContiguousBytes, Message: ContiguousBytes>(
        key: Key, message: Message
    ) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: sha256Length)
        var length = 0
        let result = key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                messageBytes.withMemoryRebound(to: UInt8.self) { messageBuffer in
                    EVP_Q_mac(nil, "HMAC", nil, "SHA256", nil,
                              keyBytes.baseAddress, keyBytes.count,
                              messageBuffer.baseAddress, messageBuffer.count,
                              &mac, mac.count, &length)
                }
            }
        }
        precondition(result != nil && length == sha256Length, "OpenSSL HMAC-SHA256 failed")
        return mac
    }

    /// HMAC-SHA256 of the UTF-8 bytes of `message` under `key`.
    public static func hmacSHA256<Key: ContiguousBytes>(key: Key, message: String) -> [UInt8] {
        hmacSHA256(key: key, message: Array(message.utf8))
    }

    /// Lowercase hexadecimal of `bytes`.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
