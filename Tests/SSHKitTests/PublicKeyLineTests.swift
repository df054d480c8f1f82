import Foundation
import Testing
@testable import SSHKit

@Suite("the public half of a user's private key file")
struct PublicKeyLineTests {
    /// Makes a key with ssh-keygen in a new directory; returns its path and its `.pub` line.
    private func keygen(_ directory: String, _ name: String, _ options: [String]) throws -> (path: String, line: String) {
        let path = directory + "/" + name
        try SSHTestHosts.run(["ssh-keygen", "-q", "-C", "user@laptop", "-f", path] + options)
        let line = try String(contentsOfFile: path + ".pub", encoding: .utf8)
        return (path, line.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("PATH.pub is read when it exists, comment included")
    func fromPubFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = try keygen(directory, "id_ed25519", ["-t", "ed25519", "-N", ""])
        #expect(key.line.hasSuffix(" user@laptop"))
        #expect(try SSHKeyPair.publicKeyLine(ofPrivateKeyAt: key.path) == key.line)

        let pem = try keygen(directory, "id_pem", ["-t", "ecdsa", "-m", "PEM", "-N", ""])
        #expect(try String(contentsOfFile: pem.path, encoding: .utf8).hasPrefix("-----BEGIN EC PRIVATE KEY-----"))
        #expect(try SSHKeyPair.publicKeyLine(ofPrivateKeyAt: pem.path) == pem.line)
    }

    @Test("without PATH.pub, the header of an openssh-key-v1 file gives it, even when the key is encrypted")
    func fromEncryptedHeader() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = try keygen(directory, "id_locked", ["-t", "ed25519", "-N", "pass"])
        try FileManager.default.removeItem(atPath: key.path + ".pub")
        #expect(PrivateKeyFile(path: key.path)?.isEncrypted == true)
        let typeAndKey = key.line.split(separator: " ").prefix(2).joined(separator: " ")
        #expect(try SSHKeyPair.publicKeyLine(ofPrivateKeyAt: key.path) == typeAndKey)
    }

    @Test("a PEM key without PATH.pub gets an error saying where to put the public half")
    func pemWithoutPub() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = try keygen(directory, "id_pem", ["-t", "ecdsa", "-m", "PEM", "-N", ""])
        try FileManager.default.removeItem(atPath: key.path + ".pub")
        #expect(throws: SSHKeyError.noPublicKey(path: key.path)) {
            try SSHKeyPair.publicKeyLine(ofPrivateKeyAt: key.path)
        }
        let text = SSHKeyError.noPublicKey(path: key.path).description
        #expect(text.hasPrefix("cannot find the public half of the key \(key.path): \(key.path).pub does not exist"))
        #expect(text.contains("Put its public key line at \(key.path).pub"))
        #expect(text.hasSuffix("ssh-keygen -y -f \(key.path) > \(key.path).pub"))
    }

    @Test("a missing key, a malformed PATH.pub and a PATH.pub of another key are refused")
    func badFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: SSHKeyError.cannotRead(path: directory + "/nope")) {
            try SSHKeyPair.publicKeyLine(ofPrivateKeyAt: directory + "/nope")
        }

        let key = try keygen(directory, "id_ed25519", ["-t", "ed25519", "-N", ""])
        let other = try keygen(directory, "id_other", ["-t", "ed25519", "-N", ""])
        try (other.line + "\n").write(toFile: key.path + ".pub", atomically: true, encoding: .utf8)
        #expect(throws: SSHKeyError.publicKeyMismatch(path: key.path)) {
            try SSHKeyPair.publicKeyLine(ofPrivateKeyAt: key.path)
        }

        for garbage in ["", "not a key\n", "ssh-ed25519 !!!\n", "ssh-rsa " + key.line.split(separator: " ")[1]] {
            try garbage.write(toFile: key.path + ".pub", atomically: true, encoding: .utf8)
            #expect(throws: SSHKeyError.malformedPublicKey(path: key.path)) {
                try SSHKeyPair.publicKeyLine(ofPrivateKeyAt: key.path)
            }
        }
    }
}
