import Foundation
import OpenSSLKit

/// A new SSH key pair, for hosts clusterctl creates itself (EC2 instances launched when the
/// user names no key).
///
/// Always ed25519, which libssh2 1.10 can sign with against any OpenSSH server. The private
/// key is written as an unencrypted `openssh-key-v1` file, as `ssh-keygen -t ed25519 -N ''`
/// writes it; ``publicKeyLine`` is what `authorized_keys` and EC2's `ImportKeyPair` take.
/// `description` and `dump` show the public half only.
public struct SSHKeyPair: Sendable {
    /// The comment on the public key line and in the private key file.
    public let comment: String
    /// The public key line: `ssh-ed25519 AAAA... comment`.
    public let publicKeyLine: String
    /// The public key's fingerprint as `ssh-keygen -l` prints it (`SHA256:...`).
    public let fingerprint: String
    let key: Ed25519KeyPair

    /// A new ed25519 key pair from OpenSSL, with `comment` (say `clusterctl dev`) on it.
    /// - Throws: ``SSHKeyError/invalidComment(_:)`` for a comment with a line break,
    ///   ``SSHKeyError/generationFailed(reason:)`` when OpenSSL fails.
    public static func generateEd25519(comment: String) throws -> SSHKeyPair {
        guard !comment.contains(where: \.isNewline) else { throw SSHKeyError.invalidComment(comment) }
        do {
            return SSHKeyPair(key: try Ed25519KeyPair.generate(), comment: comment)
        } catch {
            throw SSHKeyError.generationFailed(reason: String(describing: error))
        }
    }

    private init(key: Ed25519KeyPair, comment: String) {
        let blob = OpenSSHKeyFormat.ed25519PublicBlob(key.publicKey)
        self.key = key
        self.comment = comment
        publicKeyLine = OpenSSHKeyFormat.publicLine(type: OpenSSHKeyFormat.ed25519, blob: blob, comment: comment)
        fingerprint = Fingerprint.sha256(blob)
    }

    /// Writes the private key to `path` as a new file with mode 0600, all at once: it
    /// appears complete or not at all, and an existing file is never replaced.
    /// - Throws: ``SSHKeyError/fileExists(path:)`` when `path` exists,
    ///   ``SSHKeyError/cannotWrite(path:reason:)`` for any other failure.
    public func writePrivateKey(to path: String) throws {
        let text = OpenSSHKeyFormat.ed25519PrivateKeyFile(seed: key.privateSeed, publicKey: key.publicKey,
                                                          comment: comment, checkInt: UInt32.random(in: .min ... .max))
        try NewFile.create(Array(text.utf8), at: path, mode: 0o600)
    }
}

extension SSHKeyPair: CustomStringConvertible, CustomReflectable {
    /// `ssh-ed25519 key SHA256:... (comment)`: no private key material.
    public var description: String { "\(OpenSSHKeyFormat.ed25519) key \(fingerprint) (\(comment))" }

    /// The public half only, so `dump` never prints the private key.
    public var customMirror: Mirror {
        Mirror(self, children: ["comment": comment, "publicKeyLine": publicKeyLine, "fingerprint": fingerprint])
    }
}
