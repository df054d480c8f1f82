import COpenSSL

/// An ed25519 key pair made by OpenSSL, as raw bytes: the 32-byte private seed (RFC 8032's
/// private key) and the 32-byte public key.
///
/// Its `description` and `dump` show the public key only, never the seed.
public struct Ed25519KeyPair: Sendable {
    /// Length in bytes of the private seed and of the public key.
    public static let keyLength = 32

    /// The private seed: whoever holds it holds the key.
    public let privateSeed: [UInt8]
    /// The public key.
    public let publicKey: [UInt8]

    /// A new key pair from OpenSSL's `EVP_PKEY_keygen` (its random source, its arithmetic).
    /// - Throws: ``OpenSSLError`` when OpenSSL cannot make one (no ed25519 support, no entropy).
    public static func generate() throws -> Ed25519KeyPair {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else {
            throw OpenSSLError.drain("ed25519 key generation could not start")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_keygen(context, &key) == 1, let key else {
            throw OpenSSLError.drain("ed25519 key generation failed")
        }
        defer { EVP_PKEY_free(key) }
        var seed = [UInt8](repeating: 0, count: keyLength)
        var publicKey = [UInt8](repeating: 0, count: keyLength)
        var seedLength = keyLength
        var publicLength = keyLength
        guard EVP_PKEY_get_raw_private_key(key, &seed, &seedLength) == 1, seedLength == keyLength,
              EVP_PKEY_get_raw_public_key(key, &publicKey, &publicLength) == 1, publicLength == keyLength
        else {
            throw OpenSSLError.drain("reading the new ed25519 key failed")
        }
        return Ed25519KeyPair(privateSeed: seed, publicKey: publicKey)
    }
}

extension Ed25519KeyPair: CustomStringConvertible, CustomReflectable {
    /// `ed25519 key pair (public key <hex>)`: the seed is left out.
    public var description: String { "ed25519 key pair (public key \(Crypto.hex(publicKey)))" }

    /// Only the public key, so `dump` never prints the seed.
    public var customMirror: Mirror { Mirror(self, children: ["publicKey": Crypto.hex(publicKey)]) }
}
