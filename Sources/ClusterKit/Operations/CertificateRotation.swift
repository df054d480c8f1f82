import Foundation
import OpenSSLKit

/// Replaces the certificates of a TLS cluster while it runs: no service restarts, so the data
/// its workers hold stays (`rotate-certs`, and renewal by `up`).
///
/// Each step puts new files on every node, then asks the scheduler to make itself, its workers
/// and their nannies read them again (`POST /clusterctl/v1/reload-tls`); connections already
/// open stay, every new one uses the new files. A new authority takes three such steps, so no
/// two parties ever stop trusting each other:
/// 1. every node trusts the old and the new authority;
/// 2. every node, and the client, gets a certificate from the new authority;
/// 3. every node trusts the new authority only.
/// Until step 3 is done the old authority's certificate is kept as `ca-previous.pem`, so a
/// rerun after a failure carries on with the same new authority instead of making another.
struct CertificateRotation {
    let backend: ClusterBackend
    let certificates: ClusterCertificates
    let reporter: ProgressReporter

    private var previousAuthority: URL { certificates.directory.appendingPathComponent("ca-previous.pem") }

    /// Rotates the certificates of `state`'s nodes and the client's; with `newAuthority`, the
    /// authority too. Returns the number of nodes given new certificates.
    @discardableResult
    func rotate(_ state: ClusterState, newAuthority: Bool, schedulerRunning: Bool) throws -> Int {
        let nodes = Set(state.services.map(\.node)).sorted()
        let api = schedulerRunning ? try backend.schedulerAPI(state.endpoint) : nil
        let authority: CertificateAuthority
        let trusted: String
        if newAuthority || FileManager.default.fileExists(atPath: previousAuthority.path) {
            let previous: String
            if let kept = try? String(contentsOf: previousAuthority, encoding: .utf8) {
                reporter.step("carrying on with the new authority of an unfinished rotation")
                authority = try certificates.authority(create: false)
                previous = kept
            } else {
                previous = try certificates.authority(create: false).certificatePEM
                try AtomicFile.write(Data(previous.utf8), to: previousAuthority, mode: 0o644)
                authority = try certificates.replaceAuthority().new
            }
            trusted = previous + authority.certificatePEM
            try step("every node trusts the old and the new authority", nodes: nodes, api: api) { _ in
                NodeTLSFiles(certificateAndKeyPEM: nil, authorityPEM: trusted)
            }
        } else {
            authority = try certificates.authority(create: false)
            trusted = authority.certificatePEM
        }
        let tls = ClusterTLS(certificates: certificates, authority: authority)
        try step("new certificates for \(nodes.joined(separator: ", "))", nodes: nodes, api: api) { node in
            let fresh = try tls.credential(for: node, addresses: try backend.certificateAddresses(of: node))
            return NodeTLSFiles(certificateAndKeyPEM: fresh.certificateAndKeyPEM, authorityPEM: trusted)
        }
        try certificates.ensureClient(authority, force: true)
        if trusted != authority.certificatePEM {
            try step("every node trusts the new authority only", nodes: nodes, api: api) { _ in
                NodeTLSFiles(certificateAndKeyPEM: nil, authorityPEM: authority.certificatePEM)
            }
            try FileManager.default.removeItem(at: previousAuthority)
        }
        return nodes.count
    }

    /// Puts `files(node)` on every node at once, then has the running services read them again.
    private func step(_ what: String, nodes: [String], api: SchedulerAPI?,
                      files: @escaping @Sendable (String) throws -> NodeTLSFiles) throws {
        reporter.step(what)
        let failures = FanOut.results(nodes) { node in _ = try backend.installTLS(try files(node), on: node) }
            .compactMap { node, result -> (String, Error)? in
                if case .failure(let error) = result { return (node, error) }
                return nil
            }
        if !failures.isEmpty { throw Reconciler.summary(of: failures, upNodes: []) }
        guard let api else { return }
        let reload = try api.reloadTLS()
        guard reload.failures.isEmpty else {
            throw ClusterError("some Dask servers could not read their new certificates; rerun the command to carry on",
                               details: reload.failures.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n"))
        }
    }
}
