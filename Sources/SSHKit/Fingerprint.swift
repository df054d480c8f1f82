import Foundation
import OpenSSLKit

/// OpenSSH-style key fingerprints, as `ssh-keygen -l` prints them.
enum Fingerprint {
    /// `SHA256:` followed by the unpadded base64 of the SHA-256 of the key blob.
    static func sha256(_ keyBlob: [UInt8]) -> String {
        let base64 = Data(Crypto.sha256(keyBlob)).base64EncodedString()
        return "SHA256:" + base64.trimmingCharacters(in: CharacterSet(charactersIn: "="))
    }
}
