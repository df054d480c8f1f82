import Foundation
import Testing
import OpenSSLKit

@Suite("X509: private keys stay out of description and dump")
struct X509SecretTests {
    /// Every way a value is commonly printed.
    func renderings<T>(_ value: T) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        var dumpedInArray = ""
        dump([value], to: &dumpedInArray)
        return [String(describing: value), String(reflecting: value), "\(value)", "\([value])",
                dumped, dumpedInArray]
    }

    /// Fails when `text` holds the key or any line of its base64 body.
    func expectNoKey(_ text: String, key: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains(key), sourceLocation: sourceLocation)
        #expect(!text.contains("PRIVATE KEY"), sourceLocation: sourceLocation)
        for line in key.split(separator: "\n") where !line.hasPrefix("-----") {
            #expect(!text.contains(line), "a line of the private key was printed", sourceLocation: sourceLocation)
        }
    }

    @Test("CertificateAuthority prints its name and certificate, never its key")
    func authority() throws {
        let ca = try CertificateAuthority.create(commonName: "secret-test-ca", validFor: 3_600)
        let texts = renderings(ca)
        for text in texts { expectNoKey(text, key: ca.privateKeyPEM) }
        #expect(String(describing: ca) == "certificate authority CN=secret-test-ca (private key not shown)")
        #expect(texts[4].contains("-----BEGIN CERTIFICATE-----"))  // dump did walk the mirror
    }

    @Test("IssuedCertificate prints its name and certificate, never its key")
    func issued() throws {
        let ca = try CertificateAuthority.create(commonName: "secret-test-ca", validFor: 3_600)
        let leaf = try ca.issue(commonName: "client-1", dnsNames: ["client"], ipAddresses: [], validFor: 600)
        let texts = renderings(leaf)
        for text in texts {
            expectNoKey(text, key: leaf.privateKeyPEM)
            expectNoKey(text, key: ca.privateKeyPEM)
        }
        #expect(String(describing: leaf) == "issued certificate CN=client-1 (private key not shown)")
        #expect(texts[4].contains("-----BEGIN CERTIFICATE-----"))
    }

    @Test("the error for a mismatched key does not carry the key")
    func errorsCarryNoKey() throws {
        let ca = try CertificateAuthority.create(commonName: "ca-a", validFor: 3_600)
        let other = try CertificateAuthority.create(commonName: "ca-b", validFor: 3_600)
        let error = #expect(throws: OpenSSLError.self) {
            try CertificateAuthority(certificatePEM: ca.certificatePEM, privateKeyPEM: other.privateKeyPEM)
        }
        let text = try #require(error).description
        expectNoKey(text, key: other.privateKeyPEM)
        #expect(text.contains("does not match"))
    }
}
