import Foundation
import Testing
@testable import ClusterKit

/// The cluster's certificate files on this machine: made once, private, renewed near expiry.
struct ClusterCertificatesTests {
    private func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func authorityIsMadeOnceAndKeysArePrivate() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificates = ClusterCertificates(clusterDirectory: directory, cluster: "dev")
        #expect(throws: ClusterError.self) { try certificates.authority(create: false) }
        let made = try certificates.authority(create: true)
        #expect(try certificates.authority(create: true).certificatePEM == made.certificatePEM, "a second call reuses it")
        let client = try certificates.ensureClient(made)
        for (path, mode) in [(certificates.directory.path, 0o700), (client.key, 0o600),
                             (certificates.directory.appendingPathComponent("ca-key.pem").path, 0o600)] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == mode, "\(path)")
        }
    }

    @Test func nodeAndClientCertificatesAreRenewedWithinTheMargin() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let start = Date()
        var certificates = ClusterCertificates(clusterDirectory: directory, cluster: "dev")
        certificates.now = { start }
        let authority = try certificates.authority(create: true)
        #expect(certificates.nodeNeedsRenewal("10.0.0.2", authority: authority), "no certificate on record yet")
        let files = try certificates.issueNode("10.0.0.2", addresses: ["10.0.0.2", "node-a"], authority: authority)
        #expect(files.certificateAndKeyPEM?.contains("PRIVATE KEY") == true)
        #expect(!certificates.nodeNeedsRenewal("10.0.0.2", authority: authority))
        let client = try certificates.ensureClient(authority)
        let firstClient = try String(contentsOfFile: client.certificate, encoding: .utf8)
        #expect(try String(contentsOfFile: certificates.ensureClient(authority).certificate, encoding: .utf8) == firstClient)

        // Eleven months on: less than the 30-day margin left.
        let later = start.addingTimeInterval(ClusterCertificates.leafLifetime - ClusterCertificates.renewalMargin + 86_400)
        certificates.now = { later }
        #expect(certificates.nodeNeedsRenewal("10.0.0.2", authority: authority))
        #expect(try String(contentsOfFile: certificates.ensureClient(authority).certificate, encoding: .utf8) != firstClient)

        // A certificate from another authority is renewed too.
        let other = try ClusterCertificates(clusterDirectory: try scratch(), cluster: "other").authority(create: true)
        certificates.now = { start }
        _ = try certificates.issueNode("10.0.0.3", addresses: ["10.0.0.3"], authority: other)
        #expect(certificates.nodeNeedsRenewal("10.0.0.3", authority: authority))
    }

    @Test func longNamesStillMakeValidCommonNames() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let name = String(repeating: "n", count: 63)
        let certificates = ClusterCertificates(clusterDirectory: directory, cluster: name)
        let authority = try certificates.authority(create: true)
        _ = try certificates.issueNode(String(repeating: "h", count: 60), addresses: ["fd00::5"], authority: authority)
        _ = try certificates.ensureClient(authority)
    }
}
