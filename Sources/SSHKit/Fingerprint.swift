import COpenSSL
import Foundation

/// OpenSSH-style key fingerprints, as `ssh-keygen -l` prints them.
enum Fingerprint {
    /// `SHA256:` followed by the unpadded base64 of the SHA-256 of the key blob.
    static func sha256(_ keyBlob: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        _ = SHA256(keyBlob, keyBlob.count, &digest)
        let base64 = Data(digest).base64EncodedString()
        return "SHA256:" + base64.trimmingCharacters(in: CharacterSet(charactersIn: "="))
    }
}
