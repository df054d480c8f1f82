import Foundation
import Testing
import OpenSSLKit

@Suite("X509: a CA issues leaves, and CertificateDetails reads them back")
struct X509RoundTripTests {
    /// `a` and `b` at most `tolerance` seconds apart.
    func close(_ a: Date, _ b: Date, within tolerance: TimeInterval = 1.5) -> Bool {
        abs(a.timeIntervalSince(b)) <= tolerance
    }

    @Test("a leaf with DNS, IPv4 and IPv6 names reads back: names, issuer, validity, signature")
    func leafRoundTrip() throws {
        let now = Date()
        let ca = try CertificateAuthority.create(commonName: "dask-ca test", validFor: 86_400, now: now)
        let leaf = try ca.issue(commonName: "scheduler", dnsNames: ["localhost", "scheduler.dask.internal"],
                                ipAddresses: ["127.0.0.1", "::1", "FD00:0:0::5"], validFor: 3_600, now: now)

        #expect(ca.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        #expect(ca.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(leaf.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        #expect(leaf.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(leaf.privateKeyPEM.hasSuffix("-----END PRIVATE KEY-----\n"))

        let details = try CertificateDetails(pem: leaf.certificatePEM)
        #expect(details.subjectCommonName == "scheduler")
        #expect(details.issuerCommonName == "dask-ca test")
        #expect(details.dnsNames == ["localhost", "scheduler.dask.internal"])
        #expect(details.ipAddresses == ["127.0.0.1", "::1", "fd00::5"])
        #expect(close(details.notBefore, now.addingTimeInterval(-300)))
        #expect(close(details.notAfter, now.addingTimeInterval(3_600)))
        #expect(try details.isSigned(by: ca.certificatePEM))

        let caDetails = try CertificateDetails(pem: ca.certificatePEM)
        #expect(caDetails.subjectCommonName == "dask-ca test")
        #expect(caDetails.issuerCommonName == "dask-ca test")
        #expect(caDetails.dnsNames.isEmpty && caDetails.ipAddresses.isEmpty)
        #expect(close(caDetails.notBefore, now.addingTimeInterval(-300)))
        #expect(close(caDetails.notAfter, now.addingTimeInterval(86_400)))
        #expect(try caDetails.isSigned(by: ca.certificatePEM))  // self-signed

        let other = try CertificateAuthority.create(commonName: "dask-ca test", validFor: 86_400, now: now)
        #expect(try details.isSigned(by: other.certificatePEM) == false)
        #expect(try caDetails.isSigned(by: other.certificatePEM) == false)
        #expect(try details.isSigned(by: leaf.certificatePEM) == false)

        #expect(details == (try CertificateDetails(pem: leaf.certificatePEM)))
        #expect(details != caDetails)
        #expect(throws: OpenSSLError.self) { try details.isSigned(by: "not a certificate") }
    }

    @Test("a validity period far from now is written as given (GeneralizedTime after 2049)")
    func distantValidity() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14
        let ca = try CertificateAuthority.create(commonName: "ca", validFor: 40 * 365 * 86_400, now: now)
        let details = try CertificateDetails(pem: ca.certificatePEM)
        #expect(details.notBefore == Date(timeIntervalSince1970: 1_700_000_000 - 300))
        #expect(details.notAfter == Date(timeIntervalSince1970: 1_700_000_000 + 40 * 365 * 86_400))
        #expect(try ca.issue(commonName: "x", dnsNames: [], ipAddresses: [], validFor: 60, now: now)
            .certificatePEM.isEmpty == false)
    }

    @Test("a saved CA loads and issues; a mismatched key, a leaf, garbage PEM are refused")
    func loadSavedAuthority() throws {
        let ca = try CertificateAuthority.create(commonName: "saved-ca", validFor: 3_600)
        let loaded = try CertificateAuthority(certificatePEM: ca.certificatePEM, privateKeyPEM: ca.privateKeyPEM)
        #expect(loaded.certificatePEM == ca.certificatePEM)
        let leaf = try loaded.issue(commonName: "worker-1", dnsNames: ["worker-1"], ipAddresses: ["10.0.0.7"],
                                    validFor: 600)
        #expect(try CertificateDetails(pem: leaf.certificatePEM).isSigned(by: ca.certificatePEM))

        let other = try CertificateAuthority.create(commonName: "other-ca", validFor: 3_600)
        let mismatch = #expect(throws: OpenSSLError.self) {
            try CertificateAuthority(certificatePEM: ca.certificatePEM, privateKeyPEM: other.privateKeyPEM)
        }
        #expect(mismatch?.operation.contains("does not match") == true)

        let notCA = #expect(throws: OpenSSLError.self) {
            try CertificateAuthority(certificatePEM: leaf.certificatePEM, privateKeyPEM: leaf.privateKeyPEM)
        }
        #expect(notCA?.operation.contains("not a CA") == true)

        #expect(throws: OpenSSLError.self) {
            try CertificateAuthority(certificatePEM: "garbage", privateKeyPEM: ca.privateKeyPEM)
        }
        #expect(throws: OpenSSLError.self) {
            try CertificateAuthority(certificatePEM: ca.certificatePEM, privateKeyPEM: "garbage")
        }
        let truncated = String(ca.privateKeyPEM.dropLast(40))
        #expect(throws: OpenSSLError.self) {
            try CertificateAuthority(certificatePEM: ca.certificatePEM, privateKeyPEM: truncated)
        }
        #expect(throws: OpenSSLError.self) { try CertificateDetails(pem: "") }
        #expect(throws: OpenSSLError.self) { try CertificateDetails(pem: ca.privateKeyPEM) }
    }

    @Test("an encrypted private key is refused with an error, never prompted for")
    func encryptedKeyRefused() throws {
        // A throwaway P-256 key, PKCS#8 encrypted with the password "pw" (made by cryptography).
        let encrypted = """
            -----BEGIN ENCRYPTED PRIVATE KEY-----
            MIH0MF8GCSqGSIb3DQEFDTBSMDEGCSqGSIb3DQEFDDAkBBALnDdHnFnQkkpNBLUA
            /3e9AgIIADAMBggqhkiG9w0CCQUAMB0GCWCGSAFlAwQBKgQQsJ2rxF6W+Pf4Sgpa
            vlaCRQSBkMoAnMWW66ZnfzRulTZvpD8+091UfrSCV0ed3fzCsNj/TmS8wlnyx+xQ
            h58vaZRW01ma/jjznlpxUfjqxvl7ZaaSQAe31C6vwyCataGGOth9+mRAc7B4eHp2
            5OdGv7AUwXJCdiXs6/2x3fl5Ic5c9Cakblzu0igvTzItKLga8MctEDUYphULn4R6
            z6J79MEDEw==
            -----END ENCRYPTED PRIVATE KEY-----

            """
        let ca = try CertificateAuthority.create(commonName: "ca", validFor: 3_600)
        let error = #expect(throws: OpenSSLError.self) {
            try CertificateAuthority(certificatePEM: ca.certificatePEM, privateKeyPEM: encrypted)
        }
        #expect(error?.operation == "reading the PEM private key failed")
    }

    @Test("bad IP addresses, DNS names, common names and validity periods throw, naming the value")
    func badInputs() throws {
        let ca = try CertificateAuthority.create(commonName: "ca", validFor: 3_600)
        for address in ["300.1.1.1", "localhost", "", "1.2.3", "1.2.3.4 ", "fe80::1%eth0", "::g"] {
            let error = #expect(throws: OpenSSLError.self) {
                try ca.issue(commonName: "leaf", dnsNames: [], ipAddresses: [address], validFor: 60)
            }
            #expect(error?.description.contains("\"\(address)\" is not an IPv4 or IPv6 address") == true)
        }
        for name in ["", "has space", "bad,comma", "ünicode.example"] {
            let error = #expect(throws: OpenSSLError.self) {
                try ca.issue(commonName: "leaf", dnsNames: [name], ipAddresses: [], validFor: 60)
            }
            #expect(error?.description.contains("is not a DNS name") == true)
        }
        #expect(throws: OpenSSLError.self) {
            try ca.issue(commonName: "", dnsNames: ["a"], ipAddresses: [], validFor: 60)
        }
        #expect(throws: OpenSSLError.self) {
            try CertificateAuthority.create(commonName: "", validFor: 60)
        }
        #expect(throws: OpenSSLError.self) {
            try CertificateAuthority.create(commonName: String(repeating: "x", count: 65), validFor: 60)
        }
        for seconds in [0, -1, .infinity, .nan, 1e300] as [TimeInterval] {
            #expect(throws: OpenSSLError.self) {
                try ca.issue(commonName: "leaf", dnsNames: [], ipAddresses: [], validFor: seconds)
            }
        }
        // A 64-character, non-ASCII common name is fine.
        let long = String(repeating: "é", count: 64)
        let leaf = try ca.issue(commonName: long, dnsNames: [], ipAddresses: [], validFor: 60)
        #expect(try CertificateDetails(pem: leaf.certificatePEM).subjectCommonName == long)
    }

    @Test("many leaves issued at once from one CA value all verify (no shared state)")
    func concurrentIssue() async throws {
        let ca = try CertificateAuthority.create(commonName: "concurrent-ca", validFor: 3_600)
        let leaves = try await withThrowingTaskGroup(of: IssuedCertificate.self) { group in
            for index in 0..<16 {
                group.addTask {
                    try ca.issue(commonName: "worker-\(index)", dnsNames: ["worker-\(index)"],
                                 ipAddresses: ["10.0.0.\(index)"], validFor: 600)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(leaves.count == 16)
        let details = try leaves.map { try CertificateDetails(pem: $0.certificatePEM) }
        #expect(try details.allSatisfy { try $0.isSigned(by: ca.certificatePEM) })
        #expect(Set(details.map(\.subjectCommonName)).count == 16)
        #expect(Set(leaves.map(\.privateKeyPEM)).count == 16)
    }
}
