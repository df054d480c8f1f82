import Foundation
import Testing
@testable import SSHKit

@Suite("generated ed25519 key pairs")
struct SSHKeyPairTests {
    @Test("a generated key file is read by ssh-keygen and logs in to a real sshd through SSHKit")
    func generatedKeyLogsIn() throws {
        try withSSHHosts { hosts throws in
            let pair = try SSHKeyPair.generateEd25519(comment: "clusterctl test")
            let path = hosts.directory + "/cluster_ed25519"
            try pair.writePrivateKey(to: path)

            let derived = try SSHTestHosts.run(["ssh-keygen", "-y", "-f", path])
            #expect(derived.trimmingCharacters(in: .whitespacesAndNewlines) == pair.publicKeyLine)
            #expect(try SSHTestHosts.fingerprint(ofKeyFile: path) == pair.fingerprint)

            let refused = thrownError { _ = try SSHSession.connect(hosts.trustedConfiguration(key: path)) }
            #expect((refused as? SSHError)?.step == .auth)

            try hosts.authorize(pair.publicKeyLine)
            let session = try SSHSession.connect(hosts.trustedConfiguration(key: path))
            defer { session.close() }
            #expect(try session.execute("id -un", timeout: 10).stdoutText == hosts.user + "\n")
        }
    }

    @Test("the file is unencrypted openssh-key-v1: one key, equal check ints, seed||public, comment, padding")
    func fileLayout() throws {
        let pair = try SSHKeyPair.generateEd25519(comment: "dev cluster")
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try pair.writePrivateKey(to: directory + "/key")
        let text = try String(contentsOfFile: directory + "/key", encoding: .utf8)

        var lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "-----BEGIN OPENSSH PRIVATE KEY-----")
        #expect(lines.last == "-----END OPENSSH PRIVATE KEY-----")
        #expect(text.hasSuffix("-----\n"))
        lines = Array(lines.dropFirst().dropLast())
        #expect(lines.dropLast().allSatisfy { $0.count == 70 })
        #expect((1...70).contains(lines.last?.count ?? 0))

        var file = SSHWireReader([UInt8](try #require(Data(base64Encoded: lines.joined()))))
        let magic = file.skip(Array("openssh-key-v1\0".utf8))
        let (cipher, kdf, kdfOptions, keyCount) = (file.string(), file.string(), file.bytes(), file.uint32())
        let (header, section, rest) = (file.bytes(), file.bytes(), file.bytes())
        let publicBlob = try #require(header)
        let secret = try #require(section)
        #expect(magic && cipher == "none" && kdf == "none" && kdfOptions == [] && keyCount == 1 && rest == nil)

        var headerReader = SSHWireReader(publicBlob)
        let (headerType, headerKey) = (headerReader.string(), headerReader.bytes())
        #expect(headerType == "ssh-ed25519")
        #expect(headerKey == pair.key.publicKey)
        #expect(pair.publicKeyLine == "ssh-ed25519 " + Data(publicBlob).base64EncodedString() + " dev cluster")

        #expect(secret.count % 8 == 0)
        var reader = SSHWireReader(secret)
        let (check1, check2, type, publicKey) = (reader.uint32(), reader.uint32(), reader.string(), reader.bytes())
        let (privateKey, comment) = (reader.bytes(), reader.string())
        #expect(check1 != nil && check1 == check2)
        #expect(type == "ssh-ed25519")
        #expect(publicKey == pair.key.publicKey)
        #expect(privateKey == pair.key.privateSeed + pair.key.publicKey)
        #expect(comment == "dev cluster")
        let used = 4 + 4 + (4 + 11) + (4 + 32) + (4 + 64) + (4 + 11)
        #expect(Array(secret[used...]) == (0..<(secret.count - used)).map { UInt8($0 + 1) })
    }

    @Test("the file is new with mode 0600; an existing file is never replaced and no temporary file is left")
    func writing() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/key"
        let first = try SSHKeyPair.generateEd25519(comment: "first")
        try first.writePrivateKey(to: path)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)

        let second = try SSHKeyPair.generateEd25519(comment: "second")
        #expect(throws: SSHKeyError.fileExists(path: path)) { try second.writePrivateKey(to: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == written)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["key"])

        let missing = directory + "/no/such/dir/key"
        let error = thrownError { try second.writePrivateKey(to: missing) }
        guard case .cannotWrite(let failedPath, let reason)? = error as? SSHKeyError else {
            Issue.record("expected cannotWrite, got \(String(describing: error))")
            return
        }
        #expect(failedPath == missing)
        #expect(reason.contains("No such file or directory"))
    }

    @Test("every key is new; descriptions and dumps show no private key material")
    func noSecretsShown() throws {
        let pair = try SSHKeyPair.generateEd25519(comment: "c")
        #expect(try SSHKeyPair.generateEd25519(comment: "c").publicKeyLine != pair.publicKeyLine)
        #expect(pair.key.privateSeed.count == 32 && pair.key.publicKey.count == 32)
        #expect(pair.key.privateSeed != pair.key.publicKey)

        var dumped = ""
        dump(pair, to: &dumped)
        var dumpedKey = ""
        dump(pair.key, to: &dumpedKey)
        let seed = pair.key.privateSeed
        let hex = seed.map { String(format: "%02x", $0) }.joined()
        for text in [String(describing: pair), String(reflecting: pair), dumped,
                     String(describing: pair.key), String(reflecting: pair.key), dumpedKey] {
            #expect(!text.lowercased().contains(hex))
            #expect(!text.contains(Data(seed).base64EncodedString().dropLast(4)))
            #expect(!text.contains(seed.map(String.init).joined(separator: ", ")))
        }
        #expect(String(describing: pair) == "ssh-ed25519 key \(pair.fingerprint) (c)")
    }

    @Test("a comment with a line break is refused")
    func comment() {
        #expect(throws: SSHKeyError.invalidComment("a\nb")) { try SSHKeyPair.generateEd25519(comment: "a\nb") }
    }
}

/// A new empty directory under the system temporary directory.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "sshkit-keys-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
