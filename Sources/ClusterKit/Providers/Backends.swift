import AWSKit
import Foundation

/// Makes the backend that serves a spec's provider.
public enum Backends {
    /// The backend for `spec`, continuing from `state` if the cluster exists.
    /// `tls` is the cluster's authority when it runs with TLS. `s3Wheelhouse` is the wheelhouse in
    /// the bucket of the cluster's S3 state, if it has one: ec2 instances that install offline
    /// download their wheels from there; every other node is shipped them over SSH.
    public static func make(for spec: ClusterSpec, homes: Homes, state: ClusterState?, tls: ClusterTLS? = nil,
                            s3Wheelhouse: S3Wheelhouse? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ClusterBackend {
        switch spec.provider {
        case .local:
            return LocalBackend(spec: spec, homes: homes, environmentPath: state?.environmentPath, tls: tls)
        case .ssh(let ssh):
            let knownHosts = try StateStore(homes: homes).directory(for: spec.name).appendingPathComponent("known_hosts").path
            let nodes = FixedNodes(scheduler: ssh.scheduler, workers: ssh.workers, listenAddresses: ssh.listenAddresses)
            return SSHBackend(spec: spec, access: ssh.access, installDir: ssh.installDir, nodeProvider: nodes,
                              facts: state?.nodeFacts ?? [:], hostFacts: HostFactsCache(homes: homes), tls: tls) { _, address in
                let runner = SSHRunner(host: address, access: ssh.access, clusterKnownHosts: knownHosts)
                try runner.connect()
                return runner
            }
        case .ec2(let ec2):
            return try makeEC2(spec: spec, ec2: ec2, homes: homes, state: state, tls: tls,
                               wheelDelivery: s3Wheelhouse.map(WheelDelivery.s3) ?? .ssh, environment: environment)
        }
    }

    private static func makeEC2(spec: ClusterSpec, ec2: EC2ProviderSpec, homes: Homes, state: ClusterState?,
                                tls: ClusterTLS?, wheelDelivery: WheelDelivery,
                                environment: [String: String]) throws -> ClusterBackend {
        guard spec.scheduler.port != 0 else {
            throw ClusterError.usage("scheduler.port must be a fixed port for the ec2 provider (its security group opens it); "
                                     + "write for example port: 8786")
        }
        let publicDashboard = spec.scheduler.dashboard == .public
        guard !publicDashboard || spec.scheduler.dashboardPort != 0 else {
            throw ClusterError.usage("scheduler.dashboard_port must be a fixed port for a public dashboard on the ec2 provider "
                                     + "(its security group opens it); write for example dashboard_port: 8787")
        }
        let directory = try StateStore(homes: homes).directory(for: spec.name)
        let knownHosts = directory.appendingPathComponent("known_hosts").path
        let keyPath = EC2Connection.keyPath(for: ec2, clusterDirectory: directory)
        let client = try EC2Connection.client(for: ec2, environment: environment)
        let nodes = EC2Nodes(cluster: spec.name, spec: ec2, schedulerPort: spec.scheduler.port,
                             publicDashboardPort: publicDashboard ? spec.scheduler.dashboardPort : nil, client: client,
                             knownHostsPath: knownHosts, keyPath: keyPath, generatesKey: ec2.key == nil,
                             callerCIDR: { try EC2Connection.callerCIDR(environment: environment) })
        let access = SSHAccess(user: ec2.sshUser, key: keyPath, hostKeyPolicy: .acceptNew, readsUserKnownHosts: false)
        let backend = SSHBackend(spec: spec, access: access, installDir: ec2.installDir, nodeProvider: nodes,
                                 facts: state?.nodeFacts ?? [:], schedulerBindsEverywhere: true, tls: tls,
                                 wheelDelivery: wheelDelivery) { node, address in
            try EC2Connection.connectWhenReady(node: node, address: address, access: access, knownHosts: knownHosts,
                                               timeout: ec2.sshTimeout, nodes: nodes)
        }
        backend.use(state?.nodes ?? [])
        return backend
    }
}
