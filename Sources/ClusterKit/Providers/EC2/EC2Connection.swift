import AWSKit
import Foundation

/// Reaching AWS and the instances: the EC2 client from the AWS settings, the caller's own
/// address for the default `allowed_cidrs`, and an SSH connection that waits for a new instance.
enum EC2Connection {
    /// An EC2 client with the AWS settings of the environment, the profile files and the cluster file.
    static func client(for ec2: EC2ProviderSpec, environment: [String: String]) throws -> EC2Client {
        EC2Client(configuration: try AWSClientSettings.configuration(
            for: .ec2, purpose: "the ec2 provider", region: ec2.region, endpointURL: ec2.endpointURL, environment: environment))
    }

    /// The private key SSH uses for an ec2 cluster: the file's `key`, or the key clusterctl
    /// makes in the cluster's directory.
    static func keyPath(for ec2: EC2ProviderSpec, clusterDirectory: URL) -> String {
        ec2.key ?? clusterDirectory.appendingPathComponent("ssh_ed25519").path
    }

    /// The caller's public address as a CIDR block, for the default `allowed_cidrs`.
    static func callerCIDR(environment: [String: String]) throws -> String {
        do {
            return try CallerAddress.lookup(environment: environment)
        } catch {
            throw ClusterError("\(error)")
        }
    }

    /// Connects to a just-launched node, trying again until SSH answers and accepts the key
    /// (cloud-init installs it a little after sshd starts) or `timeout` passes. Then the error
    /// names the node, its instance and address, and shows the end of its console output; the
    /// instance is left for `clusterctl down`.
    ///
    /// A node that answered before (phase `environment-ready` or later) gets one attempt: a
    /// `status` of a cluster whose instance is gone must not wait minutes.
    static func connectWhenReady(node: NodeRecord, address: String, access: SSHAccess, knownHosts: String,
                                 timeout: Double, nodes: EC2Nodes) throws -> CommandRunner {
        if let key = access.key, !FileManager.default.fileExists(atPath: key) {
            throw ClusterError("the cluster's SSH key \(key) is not on this machine (it is made where the cluster was "
                               + "first brought up); copy it here (mode 0600), or give every machine the same key with provider.key")
        }
        guard node.phase < .environmentReady else {
            let runner = SSHRunner(host: address, access: access, clusterKnownHosts: knownHosts)
            try runner.connect()
            return runner
        }
        let deadline = Deadline(seconds: timeout)
        var lastError: Error?
        let runner = deadline.poll(every: 2) { () -> SSHRunner? in
            let runner = SSHRunner(host: address, access: access, clusterKnownHosts: knownHosts)
            do {
                try runner.connect()
                return runner
            } catch {
                lastError = error
                return nil
            }
        }
        if let runner { return runner }
        let console = nodes.consoleOutput(of: node).map { output in
            output.split(separator: "\n").suffix(20).joined(separator: "\n")
        }
        throw ClusterError("\(node.id) (\(node.instanceId ?? "no instance id"), \(address)) did not answer SSH as "
                           + "\(access.user) within \(Int(timeout)) s: \(lastError.map { "\($0)" } ?? "no answer"). "
                           + "The instance is left running: check provider.ssh_user and allowed_cidrs, then run "
                           + "`clusterctl up` again, or `clusterctl down` to remove it",
                           details: console.map { "last lines of its console output:\n" + $0 })
    }
}
