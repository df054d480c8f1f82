import Foundation
import OpenSSLKit

/// A TLS cluster's authority, loaded for one command: what backends issue node certificates
/// from, and what clients' files come from.
public struct ClusterTLS: Sendable {
    public let certificates: ClusterCertificates
    let authority: CertificateAuthority

    /// The authority of the cluster in `clusterDirectory`; made when `create` is true and there
    /// is none yet (a cluster whose services already run with TLS must keep its authority).
    public init(clusterDirectory: URL, cluster: String, create: Bool) throws {
        certificates = ClusterCertificates(clusterDirectory: clusterDirectory, cluster: cluster)
        authority = try certificates.authority(create: create)
    }

    init(certificates: ClusterCertificates, authority: CertificateAuthority) {
        self.certificates = certificates
        self.authority = authority
    }

    /// The client's files, issued when missing or near expiry.
    @discardableResult
    public func ensureClient() throws -> ClientTLSFiles { try certificates.ensureClient(authority) }

    /// A fresh certificate and key for `node`, reachable at `addresses`.
    public func credential(for node: String, addresses: [String]) throws -> NodeTLSFiles {
        try certificates.issueNode(node, addresses: addresses + ["127.0.0.1", "localhost"], authority: authority)
    }
}
