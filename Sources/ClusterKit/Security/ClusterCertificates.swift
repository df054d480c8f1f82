import Foundation
import OpenSSLKit

/// A cluster's certificate authority and the certificates it issued, kept in the cluster's
/// state directory on this machine (`<state>/<name>/tls`, 0700):
///
/// - `ca.pem` (the CA certificate) and `ca-key.pem` (its key, 0600, never copied to a node);
/// - `client.pem` and `client-key.pem` (0600), what a Dask client presents;
/// - `nodes/<node>.pem`, the certificate last issued to each node (public; its key went to
///   the node only), from which `up` tells when a node's certificate needs renewing.
///
/// Every certificate has serverAuth and clientAuth, so Dask's scheduler, workers and clients
/// authenticate one another (mutual TLS).
public struct ClusterCertificates: Sendable {
    /// The folder holding the files above.
    public let directory: URL
    /// The cluster's name, in every certificate's common name.
    public let cluster: String
    /// Now, for validity periods and renewal decisions (fixed in tests).
    public var now: @Sendable () -> Date = { Date() }

    /// How long a new authority is valid.
    public static let authorityLifetime: TimeInterval = 10 * 365 * 86_400
    /// How long a new node or client certificate is valid.
    public static let leafLifetime: TimeInterval = 365 * 86_400
    /// A certificate with less than this left is renewed by `up`.
    public static let renewalMargin: TimeInterval = 30 * 86_400

    public init(clusterDirectory: URL, cluster: String) {
        directory = clusterDirectory.appendingPathComponent("tls")
        self.cluster = cluster
    }

    var authorityCertificate: URL { directory.appendingPathComponent("ca.pem") }
    var authorityKey: URL { directory.appendingPathComponent("ca-key.pem") }
    private var nodesDirectory: URL { directory.appendingPathComponent("nodes") }
    private func nodeCertificate(_ node: String) -> URL {
        nodesDirectory.appendingPathComponent(node.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" } + ".pem")
    }

    /// What a client needs: the CA certificate, its own certificate and key.
    public var client: ClientTLSFiles {
        ClientTLSFiles(authority: authorityCertificate.path, certificate: directory.appendingPathComponent("client.pem").path,
                       key: directory.appendingPathComponent("client-key.pem").path)
    }

    /// True when this machine holds the cluster's authority.
    public var hasAuthority: Bool {
        FileManager.default.fileExists(atPath: authorityCertificate.path) && FileManager.default.fileExists(atPath: authorityKey.path)
    }

    /// The cluster's authority: the one on disk, else a new one when `create` is true.
    public func authority(create: Bool) throws -> CertificateAuthority {
        if hasAuthority {
            do {
                return try CertificateAuthority(certificatePEM: String(contentsOf: authorityCertificate, encoding: .utf8),
                                                privateKeyPEM: String(contentsOf: authorityKey, encoding: .utf8))
            } catch {
                throw ClusterError("the cluster's certificate authority in \(directory.path) cannot be read (\(error)); "
                                   + "`clusterctl rotate-certs \(cluster) --new-authority` replaces it")
            }
        }
        guard create else {
            throw ClusterError("\(cluster) uses TLS but its certificate authority is not in \(directory.path): it stays on "
                               + "the machine that ran `clusterctl up` first; run clusterctl there, or "
                               + "`clusterctl rotate-certs \(cluster) --new-authority` to replace every certificate")
        }
        let made = try CertificateAuthority.create(commonName: Self.commonName("clusterctl \(cluster) CA"),
                                                   validFor: Self.authorityLifetime, now: now())
        try write(made, certificate: authorityCertificate, key: authorityKey)
        try? FileManager.default.removeItem(at: nodesDirectory)
        return made
    }

    /// Makes a new authority, replacing the one on disk (`rotate-certs --new-authority`).
    /// Returns it with the certificate of the one it replaces (nil if there was none).
    func replaceAuthority() throws -> (new: CertificateAuthority, previousCertificatePEM: String?) {
        let previous = try? String(contentsOf: authorityCertificate, encoding: .utf8)
        let made = try CertificateAuthority.create(commonName: Self.commonName("clusterctl \(cluster) CA"),
                                                   validFor: Self.authorityLifetime, now: now())
        try write(made, certificate: authorityCertificate, key: authorityKey)
        return (made, previous)
    }

    /// The client files, issued anew when missing, near expiry, or from another authority
    /// (or always, with `force`).
    @discardableResult
    public func ensureClient(_ authority: CertificateAuthority, force: Bool = false) throws -> ClientTLSFiles {
        let files = client
        let current = try? String(contentsOf: URL(fileURLWithPath: files.certificate), encoding: .utf8)
        if !force, let current, !needsRenewal(current, authority: authority),
           FileManager.default.fileExists(atPath: files.key) {
            return files
        }
        let issued = try authority.issue(commonName: Self.commonName("clusterctl \(cluster) client"), dnsNames: [], ipAddresses: [],
                                         validFor: Self.leafLifetime, now: now())
        try write(issued, certificate: URL(fileURLWithPath: files.certificate), key: URL(fileURLWithPath: files.key))
        return files
    }

    /// A new certificate and key for `node`, naming `addresses` (IP addresses and host names)
    /// as its subject alternative names; the certificate is kept in `nodes/`, the key is not.
    func issueNode(_ node: String, addresses: [String], authority: CertificateAuthority) throws -> NodeTLSFiles {
        let unique = addresses.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let ips = unique.filter(Self.isIPAddress)
        let names = unique.filter { !Self.isIPAddress($0) }
        let issued = try authority.issue(commonName: Self.commonName("clusterctl \(cluster) \(node)"), dnsNames: names, ipAddresses: ips,
                                         validFor: Self.leafLifetime, now: now())
        try AtomicFile.makeDirectory(nodesDirectory)
        try AtomicFile.write(Data(issued.certificatePEM.utf8), to: nodeCertificate(node), mode: 0o644)
        return NodeTLSFiles(certificateAndKeyPEM: issued.certificatePEM + issued.privateKeyPEM,
                            authorityPEM: authority.certificatePEM)
    }

    /// True when `node` has no certificate on record from `authority`, or one with less than
    /// `renewalMargin` left.
    func nodeNeedsRenewal(_ node: String, authority: CertificateAuthority) -> Bool {
        guard let pem = try? String(contentsOf: nodeCertificate(node), encoding: .utf8) else { return true }
        return needsRenewal(pem, authority: authority)
    }

    private func needsRenewal(_ pem: String, authority: CertificateAuthority) -> Bool {
        guard let details = try? CertificateDetails(pem: pem),
              (try? details.isSigned(by: authority.certificatePEM)) == true else { return true }
        return details.notAfter.timeIntervalSince(now()) < Self.renewalMargin
    }

    private func write(_ pair: some CertificateAndKey, certificate: URL, key: URL) throws {
        try AtomicFile.makeDirectory(directory)
        try AtomicFile.write(Data(pair.privateKeyPEM.utf8), to: key, mode: 0o600)
        try AtomicFile.write(Data(pair.certificatePEM.utf8), to: certificate, mode: 0o644)
    }

    /// `text` cut to the 64 characters X.509 allows a common name (long cluster and node names).
    static func commonName(_ text: String) -> String { String(text.prefix(64)) }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

/// A certificate with its private key, as PEM text.
protocol CertificateAndKey {
    var certificatePEM: String { get }
    var privateKeyPEM: String { get }
}

extension CertificateAuthority: CertificateAndKey {}
extension IssuedCertificate: CertificateAndKey {}

/// What a Dask client needs to connect to a TLS cluster: paths on this machine.
public struct ClientTLSFiles: Codable, Equatable, Sendable {
    /// The cluster's CA certificate.
    public var authority: String
    /// The client's certificate.
    public var certificate: String
    /// The client's private key (0600).
    public var key: String
}

