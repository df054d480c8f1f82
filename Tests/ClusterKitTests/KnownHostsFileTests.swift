import Foundation
import Testing
@testable import ClusterKit

@Suite struct KnownHostsFileTests {
    @Test func entriesOfGoneHostsAreRemovedAndNothingElse() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kh-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = """
        54.1.2.3 ssh-ed25519 AAAAone
        [54.1.2.4]:2222 ssh-ed25519 AAAAtwo
        10.0.0.9,54.1.2.5 ssh-ed25519 AAAAthree
        54.1.2.33 ssh-ed25519 AAAAkept
        |1|c2FsdA==|aGFzaA== ssh-ed25519 AAAAhashed

        """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        KnownHostsFile(path: path).remove(hosts: ["54.1.2.3", "54.1.2.4", "10.0.0.9"])
        let left = try String(contentsOfFile: path, encoding: .utf8)
        #expect(left == "54.1.2.33 ssh-ed25519 AAAAkept\n|1|c2FsdA==|aGFzaA== ssh-ed25519 AAAAhashed\n")
    }

    @Test func aFileWithNothingToRemoveIsNotRewritten() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kh-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "54.1.2.33 ssh-ed25519 AAAAkept\n".write(toFile: path, atomically: true, encoding: .utf8)
        let before = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
        KnownHostsFile(path: path).remove(hosts: ["54.1.2.3"])
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int == before)
    }
}
