import Foundation

/// Certificates: `rotate-certs`, and the client's TLS files that `env` and `status` hand out.
extension ClusterController {
    /// Replaces the certificates of cluster `reference` (every node's and the client's; with
    /// `newAuthority`, the authority's too) while it runs, restarting nothing. Returns the
    /// number of nodes given new certificates.
    public func rotateCertificates(_ reference: ClusterReference, newAuthority: Bool) throws -> Int {
        let name = try resolve(reference)
        _ = try existingState(name)
        let lock = try store.lock(name)
        defer { lock.release() }
        let state = try existingState(name)
        guard state.spec.usesTLS else {
            throw ClusterError.usage("\(name) runs without TLS (security.tls: \(state.spec.security.tls.rawValue)); "
                                     + "there are no certificates to rotate")
        }
        let certificates = ClusterCertificates(clusterDirectory: try store.directory(for: name), cluster: name)
        let authority = try certificates.authority(create: false)
        let backend = try Backends.make(for: state.spec, homes: homes, state: state,
                                        tls: ClusterTLS(certificates: certificates, authority: authority))
        let states = try backend.states(of: state.services, cluster: name)
        if let why = states.unknown.first {
            throw ClusterError("cannot tell whether \(why.key) runs (\(why.value)); nothing was changed: once its node answers, rerun")
        }
        let schedulerRunning = state.scheduler.map { states.running.contains($0.name) } ?? false
        if !state.services.isEmpty && !schedulerRunning {
            throw ClusterError("the scheduler of \(name) does not run, so its services cannot take new certificates now; "
                               + "run `clusterctl up` first (it restarts them with fresh certificates)")
        }
        return try CertificateRotation(backend: backend, certificates: certificates, reporter: reporter)
            .rotate(state, newAuthority: newAuthority, schedulerRunning: schedulerRunning)
    }

    /// Where a client connects to cluster `reference`, and with which TLS files.
    public func connection(_ reference: ClusterReference) throws -> (address: String, tls: ClientTLSFiles?) {
        let name = try resolve(reference)
        let state = try existingState(name)
        guard !state.services.isEmpty, state.endpoint.port != 0 else {
            throw ClusterError("\(name) is down; `clusterctl up` starts it")
        }
        return (state.endpoint.clientAddress, try clientTLS(of: state))
    }

    /// The client's TLS files of a TLS cluster (nil without TLS); an error when they are missing.
    func clientTLS(of state: ClusterState) throws -> ClientTLSFiles? {
        guard state.endpoint.tls == true else { return nil }
        let files = ClusterCertificates(clusterDirectory: try store.directory(for: state.name), cluster: state.name).client
        guard [files.authority, files.certificate, files.key].allSatisfy(FileManager.default.fileExists(atPath:)) else {
            throw ClusterError("\(state.name) uses TLS but the client's certificate is not in \(URL(fileURLWithPath: files.key).deletingLastPathComponent().path); "
                               + "it is made on the machine that ran `clusterctl up`")
        }
        return files
    }
}
